"""The one exception type the engine raises for bad input."""

from __future__ import annotations

__all__ = ["CorridorInputError", "show"]


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


def show(value: object) -> str:
    """``repr`` of a value for a message, in Python notation, never numpy's.

    numpy 2 writes ``np.str_('x')`` and ``np.float64(1.5)``; a message shows ``'x'`` and
    ``1.5`` (numpy scalars and arrays become the Python values and lists they hold).

    Examples
    --------
    >>> import numpy as np
    >>> show(np.str_("JORC")), show(np.float64(1.5)), show(np.array([1.0, 2.0])), show("x")
    ("'JORC'", '1.5', '[1.0, 2.0]', "'x'")
    """
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        value = value.tolist()  # numpy scalar -> Python scalar, array -> nested lists
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {value.bit_length() * 0.30103:.0f} digits"
    text = repr(value)
    if len(text) > _SHOW_MAX:  # a message is one line: a 32,767-character text is not shown
        return f"{text[:60]}... ({len(value) if isinstance(value, str) else len(text):,} " \
               "characters)"
    return text


_SHOW_MAX = 200
