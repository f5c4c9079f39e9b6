"""Question-bank files: safe import from .xlsx/.csv, validation, and export.

Pure Python (openpyxl + defusedxml); no Flask and no dependency on ``quiz``.

Typical use::

    try:
        result = parse_question_file(upload.filename, upload.read())
    except FileRejected as exc:
        show(exc.message)            # the whole file is unusable
    else:
        if result.ok:
            save(result.records)
        else:
            show(result.errors)      # every row problem, with row and column
"""

from .builtin import builtin_bank_paths, load_builtin_bank
from .cells import safe_cell
from .export import records_to_csv, records_to_xlsx, template_xlsx
from .model import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    QUESTION_TYPES,
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    FileRejected,
    ParseResult,
    QuestionRecord,
    RowError,
)
from .parsing import answer_letters, normalize_stem, parse_question_file, parse_question_rows
from .table_reader import read_table

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "QUESTION_TYPES",
    "TEMPLATE_HEADERS",
    "TRUE_FALSE_OPTIONS",
    "FileRejected",
    "ParseResult",
    "QuestionRecord",
    "RowError",
    "answer_letters",
    "builtin_bank_paths",
    "load_builtin_bank",
    "normalize_stem",
    "parse_question_file",
    "parse_question_rows",
    "read_table",
    "records_to_csv",
    "records_to_xlsx",
    "safe_cell",
    "template_xlsx",
]
