"""Option text: leading labels ("A、", "(B)", "C．") and several options packed in one cell.

A label is a letter A-H (half or full width) either in brackets, ``(A)`` ``（A）`` ``【A】``,
or followed by a delimiter, ``A.`` ``A．`` ``A、`` ``A:`` ``A)``.  A letter followed by
anything else is text, so "B超", "A类火灾" and "GB 2894" are never split or stripped.
Packed options must carry the labels A, B, C ... in that order.
"""

from __future__ import annotations

import json
import re

from .model import OPTION_LETTERS

_LETTER = "A-HＡ-Ｈ"
_OPEN = "(（[【〔"
_CLOSE = ")）]】〕"
_DELIMS = ".．、:：)）"
_LABEL_RE = re.compile(
    rf"\s*(?:[{re.escape(_OPEN)}]\s*(?P<bracketed>[{_LETTER}])\s*[{re.escape(_CLOSE)}]"
    rf"|(?P<plain>[{_LETTER}])\s*[{re.escape(_DELIMS)}])\s*"
)
#: Characters that may stand right before a label inside a packed cell.
_BOUNDARY = frozenset(" \t\n\r\u3000\xa0/／;；,，|｜")
_PIPE_RE = re.compile(r"\s*[|｜]\s*")
_TRAILING_SEPARATORS = " \t\n\r\u3000\xa0/／;；,，|｜"


def _letter(match: re.Match) -> str:
    letter = match.group("bracketed") or match.group("plain")
    if "Ａ" <= letter <= "Ｈ":
        letter = chr(ord(letter) - ord("Ａ") + ord("A"))
    return letter


def strip_option_label(text: str, letter: str | None = None) -> str:
    """Drop a leading option label ("A、5" -> "5"); with ``letter``, only that letter's label.

    Text that would be empty without the label is returned unchanged.
    """
    match = _LABEL_RE.match(text)
    if match is None or (letter is not None and _letter(match) != letter):
        return text
    rest = text[match.end():].strip()
    return rest or text


def _label_at(text: str, position: int, letter: str, *, strict: bool) -> re.Match | None:
    """The label of ``letter`` starting at ``position``.

    Strict: a plain label ("B.") only after a boundary; a bracketed one ("(B)") anywhere.
    """
    match = _LABEL_RE.match(text, position)
    if match is None or _letter(match) != letter:
        return None
    if strict and match.group("plain") and position > 0 and text[position - 1] not in _BOUNDARY:
        return None
    return match


def _find_labels(text: str, *, strict: bool, first_letter: str = "A") -> list[re.Match]:
    """Labels A, B, C ... (or from ``first_letter`` on) in order; the first must open the text."""
    first = _label_at(text, 0, first_letter, strict=strict)
    if first is None:
        return []
    labels = [first]
    position = first.end()
    for letter in OPTION_LETTERS[OPTION_LETTERS.index(first_letter) + 1:]:
        found = None
        for index in range(position, len(text)):
            if text[index] != letter and not "Ａ" <= text[index] <= "Ｈ" and text[index] not in _OPEN:
                continue
            match = _label_at(text, index, letter, strict=strict)
            if match is not None and match.start() >= position:
                found = match
                break
        if found is None:
            break
        labels.append(found)
        position = found.end()
    return labels


def _segments(text: str, labels: list[re.Match]) -> list[str]:
    options = []
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
        options.append(text[label.end():end].strip(_TRAILING_SEPARATORS))
    return options


def split_labelled_line(text: str, first_letter: str) -> list[str]:
    """Split "C.xx D.yy" (labels in order from ``first_letter``); [] unless it has two labels."""
    labels = _find_labels(text.strip(), strict=True, first_letter=first_letter)
    return _segments(text.strip(), labels) if len(labels) >= 2 else []


def split_packed_options(text: str) -> list[str]:
    """Split a cell holding several options into their texts, labels removed.

    Recognised: labelled options on one line ("A.报警 B.拍照", "(A)报警 (B)拍照", "A.x/B.y"),
    one option per line (labelled or not), and "|"-separated lists ("报警|拍照" or "A|B|C|D").
    A JSON array, as some systems export (``["报警", "拍照"]`` or ``[{"optionContent": "报警"}, …]``),
    is read too.  Returns [] when the cell does not look like several options.
    """
    text = text.strip()
    if not text:
        return []
    if text.startswith("[") and text.endswith("]"):
        from_json = _json_options(text)
        if from_json:
            return from_json
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # Labels A, B, C ... in order, with a space, "/", ";" or a line break before each.
    labels = _find_labels(text, strict=True)
    if len(labels) >= 2:
        return _segments(text, labels)
    if len(lines) >= 2 and not any(_LABEL_RE.match(line) for line in lines):
        return lines
    if _PIPE_RE.search(text):
        parts = [part for part in _PIPE_RE.split(text) if part]
        if len(parts) >= 2:
            return [strip_option_label(part, OPTION_LETTERS[i]) if i < len(OPTION_LETTERS) else part
                    for i, part in enumerate(parts)]
    # "A.报警B.拍照": no separator, so a label must end with a delimiter.
    labels = _find_labels(text, strict=False)
    if len(labels) >= 2:
        return _segments(text, labels)
    return []


_JSON_TEXT_KEYS = ("content", "optioncontent", "text", "value", "label", "option", "title", "name")


def _json_options(text: str) -> list[str]:
    """Options from a JSON array of strings or of objects with one text field; [] otherwise."""
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(items, list) or len(items) < 2:
        return []
    options = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            by_key = {str(key).casefold(): value for key, value in item.items()}
            value = next((by_key[key] for key in _JSON_TEXT_KEYS if isinstance(by_key.get(key), str)), None)
            if value is None:
                strings = [value for value in item.values() if isinstance(value, str)]
                value = strings[0] if len(strings) == 1 else None
            item = value
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            return []
        letter = OPTION_LETTERS[index] if index < len(OPTION_LETTERS) else None
        options.append(strip_option_label(str(item).strip(), letter))
    return options
