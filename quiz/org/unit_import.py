"""Import of the unit tree from .xlsx/.csv: upload -> preview -> confirm, all or nothing.

Columns: 单位, 上级单位, 类型, 编制人数 (only 单位 is required; other spellings such as 单位名称,
上级, 类别, 编制 are read by meaning).  Each row names one unit, new or existing (names are
unique in the whole tree).  A parent may be a unit of the file (before or after the row) or
an existing unit.  For an existing unit an empty cell keeps what it has (an empty 上级单位
does not move it to the top: a file that only corrects 编制人数 must not flatten the tree);
moving to the top is done on the unit's page.

The file is read with ``question_bank.read_table`` (the checks of every upload) and waits
in a PendingImport like the question and user imports (quiz.import_views.TwoStepImport).
The plan (what is created, updated, moved) is made again against the database at the
preview and at the confirm, so the confirm refuses a file that became wrong meanwhile.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime

from question_bank import FileRejected, RowError, column_positions, read_table

from ..errors import ValidationFailed
from ..extensions import db
from ..models import PendingImport, Unit, User
from ..services.audit import record_audit
from ..services.exports import table_to_xlsx
from ..services.pending_imports import discard_pending_import, store_pending_import
from . import units as unit_rules
from .tree import load_tree

KIND = "units"
UNIT_IMPORT_HEADERS = ("单位", "上级单位", "类型", "编制人数")
MAX_UNIT_IMPORT_ROWS = 5000
HEADER_ALIASES = {
    "单位名称": "单位", "名称": "单位", "部门": "单位", "部门名称": "单位", "机构": "单位", "机构名称": "单位",
    "上级": "上级单位", "上级部门": "上级单位", "上级机构": "上级单位", "所属单位": "上级单位", "父单位": "上级单位",
    "单位类型": "类型", "类别": "类型", "性质": "类型",
    "编制": "编制人数", "人数": "编制人数", "应参与人数": "编制人数", "编制数": "编制人数",
}


@dataclass
class UnitImportRow:
    row: int
    name: str
    parent: str = ""
    kind: str = ""
    headcount: int | None = None


def _clean(text: str) -> str:
    return (text or "").strip()


def _headcount(text: str) -> int:
    """编制人数 as written in a sheet: 12, 12.0 (Excel's numbers) or full-width digits."""
    value = float(unicodedata.normalize("NFKC", text).strip().replace(",", ""))
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def read_unit_rows(filename: str, data: bytes) -> tuple[list[str], list[UnitImportRow], list[RowError], dict]:
    """The rows of the file and the problems of single rows (no database access).

    Raises FileRejected for an unusable file (type, size, no 单位 column, no rows).
    """
    header, rows = read_table(filename, data, max_rows=MAX_UNIT_IMPORT_ROWS)
    positions = column_positions(header, UNIT_IMPORT_HEADERS, HEADER_ALIASES)
    if "单位" not in positions:
        raise FileRejected("missing_column", "缺少必填列“单位”，请使用单位导入模板中的表头：单位、上级单位、类型、编制人数")
    if not rows:
        raise FileRejected("empty", "文件中没有任何单位（表头下面是空的）")
    parsed: list[UnitImportRow] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    raw_rows: dict[str, list[str]] = {}
    for number, cells in rows:
        def cell(name: str) -> str:
            index = positions.get(name)
            return _clean(cells[index]) if index is not None and index < len(cells) else ""

        row_errors: list[RowError] = []
        item = UnitImportRow(number, cell("单位"), cell("上级单位"), cell("类型"))
        try:
            unit_rules.clean_name(item.name)
        except ValidationFailed as error:
            row_errors.append(RowError(number, "单位", error.message))
        else:
            earlier = first_row.setdefault(item.name, number)
            if earlier != number:
                row_errors.append(RowError(number, "单位", f"与第{earlier}行的单位重名（单位名称在整个单位树中唯一，请用全称区分）"))
        if item.parent and item.parent == item.name:
            row_errors.append(RowError(number, "上级单位", "上级单位不能是它自己"))
        if item.kind:
            try:
                item.kind = unit_rules.clean_kind(item.kind)
            except ValidationFailed as error:
                row_errors.append(RowError(number, "类型", error.message))
        if cell("编制人数"):
            try:
                item.headcount = _headcount(cell("编制人数"))
                unit_rules.check_headcount(item.headcount)
            except (ValueError, ValidationFailed):
                row_errors.append(RowError(number, "编制人数", f"编制人数“{cell('编制人数')}”应为 0 到 1000000 之间的整数"))
        if row_errors:
            errors.extend(row_errors)
            raw_rows[str(number)] = list(cells)
        else:
            parsed.append(item)
    return header, parsed, errors, raw_rows


# ---------------------------------------------------------------- the plan


@dataclass
class PlannedUnit:
    row: int
    name: str
    #: "create" | "update" | "move" | "update_move" | "unchanged"
    action: str
    kind: str
    headcount: int | None
    parent: str | None
    old_parent: str | None = None
    changes: dict = field(default_factory=dict)

    @property
    def moves(self) -> bool:
        return self.action in ("move", "update_move")


@dataclass
class UnitPlan:
    units: list[PlannedUnit]
    errors: list[RowError]

    def count(self, *actions: str) -> int:
        return sum(1 for unit in self.units if unit.action in actions)


def _cycle_through(name: str, parent_of: dict[str, str | None]) -> list[str] | None:
    """The chain name -> ... -> name when following parents from ``name`` comes back to it."""
    chain, seen, current = [name], {name}, parent_of.get(name)
    while current is not None:
        chain.append(current)
        if current == name:
            return chain
        if current in seen:
            return None  # a cycle further up, reported on its own rows
        seen.add(current)
        current = parent_of.get(current)
    return None


def plan_unit_import(rows: list[UnitImportRow]) -> UnitPlan:
    """What importing ``rows`` would do to the tree as it is now, and why any row cannot be imported."""
    tree = load_tree()
    by_name = {unit.name: unit for unit in tree.units.values()}
    in_file = {row.name for row in rows}
    errors: list[RowError] = []
    parent_of: dict[str, str | None] = {
        unit.name: tree.units[unit.parent_id].name if unit.parent_id in tree.units else None
        for unit in tree.units.values()}
    planned: list[PlannedUnit] = []
    for row in rows:
        existing = by_name.get(row.name)
        if existing is not None and existing.retired:
            errors.append(RowError(row.row, "单位", f"单位“{row.name}”已停用，请先在“单位管理”中恢复后再导入"))
            continue
        if row.parent and row.parent not in in_file:
            parent = by_name.get(row.parent)
            if parent is None:
                errors.append(RowError(row.row, "上级单位", f"上级单位“{row.parent}”既不在文件中，也不是已有单位"))
                continue
            if parent.retired:
                errors.append(RowError(row.row, "上级单位", f"上级单位“{row.parent}”已停用，不能在其下添加或移入单位"))
                continue
        old_parent = parent_of.get(row.name) if existing is not None else None
        new_parent = row.parent or old_parent
        parent_of[row.name] = new_parent
        if existing is None:
            planned.append(PlannedUnit(row.row, row.name, "create", row.kind or "科室", row.headcount, new_parent))
            continue
        unit = db.session.get(Unit, existing.id)
        kind = row.kind or unit.kind
        headcount = row.headcount if row.headcount is not None else unit.headcount
        changes = {key: [old, new] for key, old, new in (("类型", unit.kind, kind), ("编制人数", unit.headcount, headcount))
                   if old != new}
        moved = new_parent != old_parent
        action = ("update_move" if changes else "move") if moved else ("update" if changes else "unchanged")
        planned.append(PlannedUnit(row.row, row.name, action, kind, headcount, new_parent, old_parent, changes))
    for unit in planned:
        chain = _cycle_through(unit.name, parent_of)
        if chain is not None:
            errors.append(RowError(unit.row, "上级单位", f"上级关系形成循环：{' → '.join(chain)}"))
    return UnitPlan(planned, errors)


# ---------------------------------------------------------------- the steps


def parse_unit_upload(filename: str, data: bytes) -> dict:
    """Step 1: read and check the file (the tree is read, nothing is written)."""
    header, rows, errors, raw_rows = read_unit_rows(filename, data)
    plan = plan_unit_import(rows)
    errors = sorted([*errors, *plan.errors], key=lambda error: error.row)
    return {"header": header, "rows": [asdict(row) for row in rows],
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in errors],
            "raw_rows": raw_rows}


def store_unit_upload(owner: User, filename: str, payload: dict, now: datetime) -> PendingImport:
    error_rows = {error["row"] for error in payload["errors"]} - {row["row"] for row in payload["rows"]}
    return store_pending_import(owner, KIND, filename, payload, now,
                                row_count=len(payload["rows"]) + len(error_rows), error_count=len(payload["errors"]))


def _rows_of(pending: PendingImport) -> list[UnitImportRow]:
    return [UnitImportRow(**row) for row in pending.payload["rows"]]


@dataclass
class UnitImportPreview:
    filename: str
    plan: UnitPlan
    #: row-level problems found when the file was read, and those of the plan made now
    errors: list[RowError]
    raw_rows: dict

    @property
    def can_confirm(self) -> bool:
        return not self.errors and bool(self.plan.units)


def build_unit_preview(pending: PendingImport) -> UnitImportPreview:
    """Step 2: the plan against the tree as it is now, with every error."""
    read_errors = [RowError(e["row"], e["column"], e["message"]) for e in pending.payload["errors"]]
    plan = plan_unit_import(_rows_of(pending))
    seen = {(e.row, e.message) for e in read_errors}
    errors = sorted([*read_errors, *(e for e in plan.errors if (e.row, e.message) not in seen)], key=lambda e: e.row)
    return UnitImportPreview(pending.filename, plan, errors, pending.payload.get("raw_rows", {}))


@dataclass
class UnitImportResult:
    created: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0


def apply_unit_rows(rows: list[UnitImportRow], filename: str, actor: User | None, now: datetime) -> UnitImportResult:
    """Write the plan of ``rows``, all of it or (on any error) nothing; one audit row."""
    plan = plan_unit_import(rows)
    if plan.errors:
        first = plan.errors[0]
        raise ValidationFailed(f"第{first.row}行：{first.message}；未导入任何单位，请修改后重新上传", code="invalid_file")
    units = {unit.name: unit for unit in db.session.scalars(db.select(Unit))}
    result = UnitImportResult()
    for item in plan.units:  # new units first, at the top; parents are set once all exist
        if item.action == "create":
            units[item.name] = unit_rules.create_unit(item.name, item.kind, item.headcount)
            units[item.name].created_at = now
            result.created += 1
    for item in plan.units:
        unit = units[item.name]
        unit.kind, unit.headcount = item.kind, item.headcount
        unit.parent = units[item.parent] if item.parent else None
        result.updated += item.action in ("update", "update_move")
        result.moved += item.moves
        result.unchanged += item.action == "unchanged"
    db.session.flush()
    record_audit(actor, "unit.import", "unit", None,
                 f"从“{filename}”导入单位树：新增 {result.created}，修改 {result.updated}，移动 {result.moved}", now,
                 {"file": filename, **asdict(result),
                  "moved": [[item.name, item.old_parent, item.parent] for item in plan.units if item.moves][:200]})
    return result


def apply_unit_import(pending: PendingImport, actor: User, now: datetime) -> UnitImportResult:
    """Step 3: the confirm."""
    if pending.error_count:
        raise ValidationFailed("文件中有错误，请修改后重新上传；未导入任何单位", code="invalid_file")
    result = apply_unit_rows(_rows_of(pending), pending.filename, actor, now)
    discard_pending_import(pending)
    return result


def unit_template_xlsx() -> bytes:
    """The import template: a small three-level tree (a parent may come after its children)."""
    return table_to_xlsx(
        list(UNIT_IMPORT_HEADERS),
        [["区安委会", "", "区", ""], ["区文旅局", "区安委会", "局", 20], ["区图书馆", "区文旅局", "局属单位", 35],
         ["借阅部", "区图书馆", "科室", 12], ["区应急管理局", "区安委会", "局", 40]],
        sheet_title="单位",
    )
