"""The one exception type the engine raises for bad input."""

from __future__ import annotations

__all__ = ["CorridorInputError"]


class CorridorInputError(ValueError):
    """Bad input to an xl-corridor function.

    The message always starts with the argument (or case-file field) at fault and says what
    would have been valid, e.g. ``rf: expected a decimal rate such as 0.045, got 4.5``.

    Parameters
    ----------
    argument : str
        Name of the argument or field at fault, as the caller spelled it.
    problem : str
        What was wrong and what was expected.
    """

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        self.problem = problem
        super().__init__(f"{argument}: {problem}")
