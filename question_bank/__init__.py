"""Question-bank files: safe import of the layouts trainers actually have, validation, export.

Pure Python (openpyxl, xlrd, python-docx, defusedxml); no Flask and no dependency on ``quiz``.

Reading (the format is decided by content, never by the file name)::

    parse_question_file(filename, data, *, max_rows=MAX_ROWS, mapping=None, max_bytes=MAX_FILE_BYTES) -> ParseResult
        .xlsx (every visible sheet), legacy .xls, delimited text (.csv/.tsv/.txt, sniffed;
        UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030), .docx (tables and paragraphs) and
        plain text in the question layout ("1. 题干" / "A. 选项" / "答案：AB" / "解析：…").
    parse_question_text(text, *, max_rows=MAX_ROWS, mapping=None) -> ParseResult
        questions pasted into a text box (a pasted table with a header row also works).
    parse_question_rows(header, rows, *, mapping=None) -> ParseResult
        rows already read by ``read_table`` (kept for the existing callers).

Raises ``FileRejected`` (``code``, ``message``) when the file as a whole is unusable, and
its subclass ``MappingNeeded`` (code "missing_column", plus ``layout``) when required columns
cannot be recognised: its message names the headers found and what is still needed, e.g.
"缺少必填列“答案”。找到的表头：试题类型、试题内容、选项一内容…；还需要：答案…".

``ParseResult``: ``records`` (QuestionRecord), ``errors`` and ``warnings`` (RowError: row,
column, message, sheet), ``skipped_unsupported`` (UnsupportedRow: row, type, sheet),
``duplicates`` (DuplicateRow: row, first_row, sheet, first_sheet: exact repeats inside the
file, skipped), ``unknown_columns`` (ignored headers), ``problem_rows`` (ProblemRow: row,
sheet, header, cells, reasons: the rows with errors as they were), ``layout`` (FileLayout),
``ok`` (no errors: all or nothing may import) and ``error_row_count``.

Mapping step: ``FileLayout`` (``format``, ``sections`` of SectionLayout(sheet, header_row,
header, fields, missing_fields, type_values, unknown_type_values), ``signature``,
``headers_found``, ``missing_fields``, ``unknown_type_values``, ``needs_mapping``,
``to_json()``); ``FIELD_CHOICES`` (FieldChoice: key, label, required) lists the fields a
column can be mapped to; ``ColumnMapping(columns={header: field}, type_values={value:
"single"|"multiple"|"true_false"|"skip"})`` or ``ColumnMapping.from_json(json_text_or_dict)``
with Chinese names (``{"columns": {"试题类型": "题型"}, "type_values": {"1": "单选"}}``;
``MappingInvalid`` for bad input); ``header_signature(header)`` keys a remembered mapping.

Duplicates: ``duplicate_key(question)`` (type + normalised stem + set of options) is the one
key for "the same question", in a file and against the bank.

Writing: ``records_to_xlsx``, ``records_to_csv``, ``template_xlsx`` and
``problem_rows_xlsx(result)``: the rows with errors in their own columns plus 错误原因, to fix
and upload again.

Typical use::

    try:
        result = parse_question_file(upload.filename, upload.read(), mapping=mapping)
    except MappingNeeded as exc:
        offer_mapping(exc.layout, FIELD_CHOICES, exc.message)
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
from .export import problem_rows_xlsx, records_to_csv, records_to_xlsx, template_xlsx
from .headers import FIELD_CHOICES, FieldChoice, header_signature, match_header, normalize_header
from .mapping import ColumnMapping, MappingInvalid
from .model import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    QUESTION_TYPES,
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    DuplicateRow,
    FileLayout,
    FileRejected,
    MappingNeeded,
    ParseResult,
    ProblemRow,
    QuestionRecord,
    RowError,
    SectionLayout,
    UnsupportedRow,
)
from .options import split_packed_options, strip_option_label
from .parsing import (
    answer_letters,
    duplicate_key,
    normalize_stem,
    parse_question_file,
    parse_question_rows,
    parse_question_text,
)
from .table_reader import column_positions, read_table

__all__ = [
    "FIELD_CHOICES",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "QUESTION_TYPES",
    "TEMPLATE_HEADERS",
    "TRUE_FALSE_OPTIONS",
    "ColumnMapping",
    "DuplicateRow",
    "FieldChoice",
    "FileLayout",
    "FileRejected",
    "MappingInvalid",
    "MappingNeeded",
    "ParseResult",
    "ProblemRow",
    "QuestionRecord",
    "RowError",
    "SectionLayout",
    "UnsupportedRow",
    "answer_letters",
    "builtin_bank_paths",
    "duplicate_key",
    "header_signature",
    "load_builtin_bank",
    "match_header",
    "normalize_header",
    "normalize_stem",
    "parse_question_file",
    "parse_question_rows",
    "parse_question_text",
    "problem_rows_xlsx",
    "column_positions",
    "read_table",
    "records_to_csv",
    "records_to_xlsx",
    "safe_cell",
    "split_packed_options",
    "strip_option_label",
    "template_xlsx",
]
