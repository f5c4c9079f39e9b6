"""Numbers from query strings, checked at the edge: the one helper every view uses.

A filter left blank or holding no number means "any" (links keep working when typed by
hand); a number the database cannot hold is refused with 400 and a Chinese message instead
of reaching the driver (an overflow there was a 500); a page number is clamped.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest

#: The largest id any table can hold (PostgreSQL INTEGER; SQLite's is larger).
MAX_DATABASE_ID = 2**31 - 1
#: No list has this many pages; a larger page number is the last page anyway.
MAX_PAGE = 100_000


def _parse(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text or len(text) > 20 or not text.lstrip("+-").isdigit() or not text.isascii():
        return None
    return int(text)


def id_arg(name: str, *, value: str | None = None) -> int | None:
    """A positive id from the query string (or `value`): None for blank, 0 or junk ("any");
    a number beyond MAX_DATABASE_ID is a 400."""
    raw = request.args.get(name) if value is None else value
    number = _parse(raw)
    if number is None:
        if raw and raw.strip().lstrip("+-").isdigit():
            raise BadRequest(f"参数 {name[:32]} 超出范围。")  # digits, but too many of them
        return None
    if number > MAX_DATABASE_ID:
        raise BadRequest(f"参数 {name[:32]} 超出范围。")
    return number if number > 0 else None


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int = MAX_PAGE) -> int:
    """A bounded number such as a page or a count: junk gives `default`, anything else is clamped into range."""
    number = _parse(request.args.get(name))
    if number is None:
        return default
    return min(max(number, minimum), maximum)


def database_id(value) -> int:
    """WTForms `coerce` for choices of ids: a number the database can hold, else the field is
    invalid (its choice is refused) instead of an overflow in the driver."""
    number = int(value)
    if not -MAX_DATABASE_ID <= number <= MAX_DATABASE_ID:
        raise ValueError("超出范围")
    return number


def as_database_id(text: str) -> int | None:
    """The id a piece of text names ("123" in a search box), or None: ASCII digits within the database's range."""
    number = _parse(text)
    return number if number is not None and 0 < number <= MAX_DATABASE_ID and text.strip().isdigit() else None
