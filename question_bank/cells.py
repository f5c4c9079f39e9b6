"""Cell-level text helpers: cleaning what users typed, and formula-injection escaping.

Exported spreadsheet cells that start with a formula trigger are prefixed with
an apostrophe (CWE-1236); ``unescape_cell`` removes exactly that apostrophe
again when reading, so export -> import is lossless.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

#: Leading characters that make Excel/WPS treat a cell as a formula or command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

_ESCAPE_PREFIX = "'"

#: Control characters that are not allowed in XML (and so not in .xlsx cells).
ILLEGAL_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Whitespace (what str.isspace() and regex \s call whitespace), plus zero-width characters and
# stray BOMs that survive str.strip(); as a strip() argument, which is much faster than a regex.
_EDGE_BLANKS = "".join(chr(code) for code in range(0x3001) if chr(code).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"


def _starts_with_trigger(text: str) -> bool:
    """True if the text, ignoring leading apostrophes, starts with a formula trigger.

    Apostrophes are skipped so that a value which itself begins with ``'=`` is
    escaped again; that keeps ``unescape_cell(safe_cell(v)) == v`` for every v.
    """
    rest = text.lstrip(_ESCAPE_PREFIX)
    return bool(rest) and rest.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """Neutralise a value for spreadsheet export by prefixing ``'`` to formula-like text.

    Non-string values (numbers, None) are returned unchanged.
    """
    if isinstance(value, str) and _starts_with_trigger(value):
        return _ESCAPE_PREFIX + value
    return value


def unescape_cell(text: str) -> str:
    """Undo ``safe_cell``: drop exactly one leading ``'`` that protects a formula trigger."""
    if text.startswith(_ESCAPE_PREFIX) and _starts_with_trigger(text):
        return text[1:]
    return text


def clean_cell_text(text: str) -> str:
    """Normalise newlines, drop XML-illegal control characters, strip edge whitespace.

    Full-width spaces, non-breaking spaces and zero-width characters count as
    whitespace here, since trainers paste text from Word and web pages.
    """
    if not text:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isprintable():  # a cheap test before the regex: most cells have no control characters
        text = ILLEGAL_CONTROL_CHARS_RE.sub("", text)
    return text.strip(_EDGE_BLANKS)


def cell_value_to_text(value: Any) -> str:
    """Render a spreadsheet cell value as the text a user would see (2.0 -> "2")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
