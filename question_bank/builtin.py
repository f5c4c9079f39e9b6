"""The built-in question bank shipped in ``question_bank/data/``.

The bank may be split over several files. Row numbers stay per file, so every
record and error carries its file name in ``file``, and error messages are
prefixed with ``【file name】`` for display without extra formatting.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .model import FileRejected, ParseResult, QuestionRecord, RowError
from .parsing import duplicate_key, parse_question_file

DATA_DIR = Path(__file__).resolve().parent / "data"

BANK_FILE_SUFFIXES = (".csv", ".xlsx")


def builtin_bank_paths(directory: Path | None = None) -> list[Path]:
    """The bank files (*.csv, *.xlsx) in ``directory`` (default: question_bank/data), sorted by name.

    Hidden files and Excel lock files ("~$…") are skipped.
    """
    directory = DATA_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.iterdir()
        if path.is_file()
        and path.suffix.lower() in BANK_FILE_SUFFIXES
        and not path.name.startswith((".", "~$"))
    )


def load_builtin_bank(directory: Path | None = None) -> ParseResult:
    """Parse every bank file; a question repeated in a later file (same ``duplicate_key``) is an error there.

    A file that is rejected as a whole becomes one error with row 0, so one
    broken file does not hide the problems in the others.
    """
    result = ParseResult()
    first_seen: dict[str, QuestionRecord] = {}
    for path in builtin_bank_paths(directory):
        name = path.name
        try:
            parsed = parse_question_file(name, path.read_bytes())
        except FileRejected as exc:
            result.errors.append(_file_error(name, 0, "", exc.message))
            continue
        result.errors.extend(_file_error(name, e.row, e.column, e.message) for e in parsed.errors)
        # The shipped bank must be clean: a repeat inside a file is an error here, not a skip.
        result.errors.extend(_file_error(name, d.row, "题干", f"与第{d.first_row}行重复") for d in parsed.duplicates)
        duplicate_rows = {d.row for d in parsed.duplicates}
        result.warnings.extend(
            _file_error(name, w.row, w.column, w.message) for w in parsed.warnings if w.row not in duplicate_rows
        )
        for record in parsed.records:
            record = dataclasses.replace(record, file=name)
            earlier = first_seen.setdefault(duplicate_key(record), record)
            if earlier is not record:
                message = f"与{earlier.file}第{earlier.row}行重复"
                result.errors.append(_file_error(name, record.row, "题干", message))
            else:
                result.records.append(record)
    return result


def _file_error(file_name: str, row: int, column: str, message: str) -> RowError:
    return RowError(row=row, column=column, message=f"【{file_name}】{message}", file=file_name)
