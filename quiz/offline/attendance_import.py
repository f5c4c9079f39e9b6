"""Import of a session's attendance from .xlsx/.csv: upload -> preview -> confirm, all or nothing.

Columns: 用户名, or 姓名 with 单位 (other spellings such as 账号, 登录名, 名字, 部门 are read by
meaning with the one header matcher, ``question_bank.column_positions``).  A row names one
person: by 用户名 when that cell is filled, else by 姓名 within the unit named 单位.  A person
who is unknown, disabled, or (by name) not the only one of that name in the unit is reported
on their row, and then nothing is imported.  People already present are shown and skipped.

The file waits in a PendingImport like the other imports (quiz.import_views.TwoStepImport);
the people are looked up again at the preview and at the confirm.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from question_bank import FileRejected, RowError, column_positions, read_table
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import PendingImport, SessionAttendance, TrainingSession, Unit, User
from ..services.accounts import normalize_username
from ..services.exports import table_to_xlsx
from ..services.pending_imports import discard_pending_import, store_pending_import
from . import services

KIND = "attendance"  # PendingImport.kind is at most 16 characters
HEADERS = ("用户名", "姓名", "单位")
MAX_ROWS = 5000
HEADER_ALIASES = {
    "账号": "用户名", "帐号": "用户名", "登录名": "用户名", "工号": "用户名", "用户": "用户名",
    "名字": "姓名", "人员": "姓名", "人员姓名": "姓名", "参训人员": "姓名", "参加人员": "姓名",
    "单位名称": "单位", "部门": "单位", "所属单位": "单位", "工作单位": "单位", "所在单位": "单位",
}


@dataclass
class AttendanceRow:
    row: int
    username: str = ""
    name: str = ""
    unit: str = ""

    @property
    def label(self) -> str:
        return self.username or f"{self.name}（{self.unit}）"


def read_rows(filename: str, data: bytes) -> list[AttendanceRow]:
    """The rows of the file (no database access); raises FileRejected for an unusable file."""
    header, rows = read_table(filename, data, max_rows=MAX_ROWS)
    positions = column_positions(header, HEADERS, HEADER_ALIASES)
    if "用户名" not in positions and not {"姓名", "单位"} <= positions.keys():
        raise FileRejected("missing_column", "缺少列“用户名”，或“姓名”和“单位”两列，请使用签到导入模板中的表头")
    if not rows:
        raise FileRejected("empty", "文件中没有任何人员（表头下面是空的）")

    def cell(cells, name):
        index = positions.get(name)
        return (cells[index] or "").strip() if index is not None and index < len(cells) else ""

    return [AttendanceRow(number, normalize_username(cell(cells, "用户名")), cell(cells, "姓名"), cell(cells, "单位"))
            for number, cells in rows]


@dataclass
class PlannedPerson:
    row: int
    user_id: int
    display_name: str
    username: str
    unit: str
    already: bool


@dataclass
class AttendancePlan:
    people: list[PlannedPerson]
    errors: list[RowError]

    @property
    def new(self) -> list[PlannedPerson]:
        return [p for p in self.people if not p.already]


def plan_rows(session: TrainingSession, rows: list[AttendanceRow]) -> AttendancePlan:
    """Who each row names now, and why a row names nobody (unknown, ambiguous, disabled, repeated)."""
    usernames = {r.username for r in rows if r.username}
    by_username = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))} \
        if usernames else {}
    names = {r.name for r in rows if not r.username and r.name}
    by_name: dict[tuple[str, str], list[User]] = {}
    if names:
        for user, unit_name in db.session.execute(select(User, Unit.name).outerjoin(Unit, User.unit_id == Unit.id)
                                                  .where(User.display_name.in_(names))):
            by_name.setdefault((user.display_name, unit_name or ""), []).append(user)
    present = set(db.session.scalars(select(SessionAttendance.user_id).where(
        SessionAttendance.session_id == session.id)))
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    people, errors, first_row = [], [], {}
    for row in rows:
        if row.username:
            user = by_username.get(row.username)
            if user is None:
                errors.append(RowError(row.row, "用户名", f"没有用户名为“{row.username}”的用户"))
                continue
        elif row.name:
            if not row.unit:
                errors.append(RowError(row.row, "单位", f"“{row.name}”没有填写单位（按姓名登记时须同时填写单位）"))
                continue
            found = by_name.get((row.name, row.unit), [])
            if not found:
                errors.append(RowError(row.row, "姓名", f"单位“{row.unit}”中没有名为“{row.name}”的用户"))
                continue
            if len(found) > 1:
                errors.append(RowError(row.row, "姓名", f"单位“{row.unit}”中有 {len(found)} 位“{row.name}”，请改用用户名"))
                continue
            user = found[0]
        else:
            errors.append(RowError(row.row, "", "这一行既没有用户名，也没有姓名"))
            continue
        if not services.may_attend(user):
            errors.append(RowError(row.row, "用户名", f"“{user.display_name}”（{user.username}）的账号已停用"))
            continue
        earlier = first_row.setdefault(user.id, row.row)
        if earlier != row.row:
            errors.append(RowError(row.row, "", f"与第{earlier}行是同一人"))
            continue
        people.append(PlannedPerson(row.row, user.id, user.display_name, user.username,
                                    units.get(user.unit_id, ""), user.id in present))
    return AttendancePlan(people, errors)


# ---------------------------------------------------------------- the steps


def parse_upload(session_id: int, filename: str, data: bytes) -> dict:
    """Step 1: read and check the file against the users as they are (nothing is written)."""
    session = services.get_session(session_id)
    rows = read_rows(filename, data)
    plan = plan_rows(session, rows)
    return {"session_id": session.id, "rows": [asdict(r) for r in rows],
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in plan.errors]}


def store_upload(owner: User, filename: str, payload: dict, now: datetime) -> PendingImport:
    return store_pending_import(owner, KIND, filename, payload, now, row_count=len(payload["rows"]),
                                error_count=len(payload["errors"]))


@dataclass
class AttendancePreview:
    filename: str
    session: TrainingSession
    plan: AttendancePlan

    @property
    def errors(self) -> list[RowError]:
        return self.plan.errors

    @property
    def can_confirm(self) -> bool:
        return not self.plan.errors and bool(self.plan.new)


def _rows_of(pending: PendingImport) -> list[AttendanceRow]:
    return [AttendanceRow(**row) for row in pending.payload["rows"]]


def build_preview(pending: PendingImport) -> AttendancePreview:
    """Step 2: the people named by the file, looked up again now, with every error."""
    session = services.get_session(pending.payload["session_id"])
    return AttendancePreview(pending.filename, session, plan_rows(session, _rows_of(pending)))


def apply_import(pending: PendingImport, actor: User, now: datetime) -> tuple[TrainingSession, services.AddResult]:
    """Step 3: record everyone, or (on any error found now) nobody."""
    session = services.get_session(pending.payload["session_id"])
    plan = plan_rows(session, _rows_of(pending))
    if plan.errors:
        first = plan.errors[0]
        raise ValidationFailed(f"第{first.row}行：{first.message}；未登记任何人，请修改后重新上传", code="invalid_file")
    users = [db.session.get(User, p.user_id) for p in plan.new]
    result = services.add_attendees(session, users, "import", actor, now, note=pending.filename)
    discard_pending_import(pending)
    return session, result


def template_xlsx() -> bytes:
    return table_to_xlsx(list(HEADERS), [["zhangsan", "", ""], ["", "李四", "区文化馆"]], sheet_title="签到")
