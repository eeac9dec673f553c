"""Canonical forms of what a spreadsheet application rewrites when it re-saves a workbook.

A report opened, edited and saved in LibreOffice (or Excel) comes back with the same formulas,
number formats and defined names spelled differently: ``'Inputs'!$B$9`` as ``Inputs!$B$9``,
``1E-12`` as ``0.000000000001``, ``FALSE`` as ``FALSE()``, ``0.00%_);(0.00%)`` as
``0.00%_);\\(0.00%\\)``. The structural comparison of :mod:`xl_corridor.validate.structure`
compares these canonical forms, so a re-saved file is judged on what it means, not on how it is
spelled; anything that changes what a reader is shown (another reference, another number, a
format code turned into literal text) still differs.

Only used when the literal texts differ, so a file the builder wrote costs nothing here.

References
----------
Microsoft, "Number format codes" (support.microsoft.com, retrieved 2026): characters displayed
without quotation marks ($ + ( : ^ ' { < = - / ) ! & ~ } > and the space), the backslash and
double quotes for literal text, ``_`` (width of the next character) and ``*`` (repeat it).
ECMA-376 Part 1, 18.8.31 (numFmt) and 18.17 (formulas).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["formula", "number_format", "same_formula", "same_number_format"]

# --- formulas -----------------------------------------------------------------------------------

_QUOTED_SHEET = re.compile(r"'((?:[^']|'')+)'!")


def _unquote_sheets(ref: str) -> str:
    """``'Inputs'!$B$9`` -> ``Inputs!$B$9`` (quotes are syntax, not part of the name)."""
    return _QUOTED_SHEET.sub(lambda m: m.group(1).replace("''", "'") + "!", ref)


@lru_cache(maxsize=4096)
def formula(text: str) -> tuple[Any, ...]:
    """The tokens of a formula (or defined-name reference) with spelling differences removed:
    numbers as floats, ``TRUE()``/``FALSE()`` as the constants, sheet names unquoted, function
    names upper case. A text that does not tokenise is its own canonical form."""
    from openpyxl.formula import Tokenizer

    source = text if text.startswith("=") else "=" + text
    try:
        items = Tokenizer(source).items
    except Exception:  # openpyxl raises TokenizerError and others for malformed text
        return ("text", text)
    out: list[Any] = []
    i = 0
    while i < len(items):
        tok = items[i]
        kind, sub, value = tok.type, tok.subtype, tok.value
        if kind == "FUNC" and sub == "OPEN" and value.upper() in ("TRUE(", "FALSE(") and (
                i + 1 < len(items) and items[i + 1].type == "FUNC"
                and items[i + 1].subtype == "CLOSE"):
            out.append(("bool", value[:-1].upper()))
            i += 2
            continue
        if kind == "OPERAND" and sub == "LOGICAL":
            out.append(("bool", value.upper()))
        elif kind == "OPERAND" and sub == "NUMBER":
            try:
                out.append(("number", float(value)))
            except ValueError:
                out.append(("number", value))
        elif kind == "OPERAND" and sub == "RANGE":
            out.append(("range", _unquote_sheets(value)))
        elif kind == "FUNC" and sub == "OPEN":
            out.append(("func", value.upper()))
        else:
            out.append((kind, sub, value))
        i += 1
    return tuple(out)


def same_formula(a: str, b: str) -> bool:
    """Two formula texts (or defined-name references) mean the same."""
    return a == b or formula(a) == formula(b)


# --- number formats -----------------------------------------------------------------------------

# Letters and signs with a meaning in a format code; any other character is literal text,
# among them those Microsoft lists as displayed without quotes ($ ( ^ ' { < = ) ! & ~ } > and
# the space), less those that are also codes in some position: "/" (fractions), ":" (times),
# "+" and "-" after E (scientific notation, handled below).
_CODE = frozenset("0123456789#?.,%Ee/:yYmMdDhHsSaApPgGbBnN@;")


@lru_cache(maxsize=1024)
def number_format(fmt: str) -> tuple[tuple[str, str], ...]:
    """A number format as (kind, text) tokens, literal text merged into one token per run:
    ``\\(``, ``"("`` and ``(`` are all the literal "(", while ``\\y`` (literal) and ``y``
    (year) stay different."""
    out: list[tuple[str, str]] = []

    def literal(s: str) -> None:
        if out and out[-1][0] == "lit":
            out[-1] = ("lit", out[-1][1] + s)
        else:
            out.append(("lit", s))

    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == "\\" and i + 1 < n:
            literal(fmt[i + 1])
            i += 2
        elif c == '"':
            end = fmt.find('"', i + 1)
            end = n if end < 0 else end
            literal(fmt[i + 1:end])
            i = end + 1
        elif c in "_*" and i + 1 < n:
            out.append((c, fmt[i + 1]))
            i += 2
        elif c == "[":
            end = fmt.find("]", i + 1)
            end = n - 1 if end < 0 else end
            out.append(("[]", fmt[i + 1:end].lower()))
            i = end + 1
        elif c in "+-":
            if i > 0 and fmt[i - 1] in "Ee":  # scientific notation: a code
                out.append(("code", c))
            else:
                literal(c)
            i += 1
        elif c not in _CODE:
            literal(c)
            i += 1
        else:
            out.append(("code", c))
            i += 1
    return tuple(out)


def same_number_format(a: str, b: str) -> bool:
    """Two number formats show every value alike."""
    return a == b or number_format(a) == number_format(b)
