"""Bulk import of accounts from .xlsx/.csv: upload -> preview -> confirm, all or nothing.

Columns: 用户名, 姓名, 单位, 角色, 初始密码 (optional: a password is generated and shown
once after the confirm), 联系电话 (optional).  A unit manager imports through the same code,
scoped (``unit_scope``, ``roles``, ``may_update``): rows outside their subtree are refused.  The file is read by ``question_bank.read_table`` (the same
checks against zip bombs, XML bombs, formulas and oversized files as question uploads).

Long work, and why it stays inside the request: every imported password is a temporary one
the user must replace at first sign-in (``User.must_change_password``; the change hashes the
user's own password at full cost, PASSWORD_HASH_METHOD).  So these temporary passwords are
hashed with the lighter TEMPORARY_PASSWORD_HASH_METHOD (scrypt N = 4096, about 6 ms instead
of about 160 ms), in parallel threads and outside the write transaction: given passwords at
upload, generated ones just before the confirm's write.  2,000 rows then take a few seconds
(bench/user_import_2000.py), far from gunicorn's 60 s timeout, with no job queue, worker or
progress polling to run and fail.  A background job was the alternative: it keeps full-cost
hashes for passwords that live only until the first sign-in, at the price of a second moving
part.  The lighter hash lives at most until then: an account that never signs in keeps it,
which is why an operator deactivates unused imported accounts (docs/deploy.md).

No plain password is stored anywhere: the pending import keeps only hashes, and the raw
cells of rows with errors (shown again on the preview) have their 初始密码 blanked.
"""

from __future__ import annotations

import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from question_bank import FileRejected, RowError, column_positions, read_table

from ..errors import ValidationFailed
from ..extensions import db
from ..models import POSITIONS, ROLE_LABELS, PendingImport, Unit, User
from ..services import accounts
from ..services.audit import record_audit
from ..services.exports import table_to_xlsx
from ..services.passwords import check_password
from ..services.pending_imports import discard_pending_import, store_pending_import
from .user_admin import generate_password

KIND = "users"
USER_IMPORT_HEADERS = ["用户名", "姓名", "单位", "角色", "初始密码", "联系电话", "岗位类别"]
REQUIRED_HEADERS = ("用户名", "姓名")
#: each new account costs a (light) password hash: 2,000 take a few seconds; bigger lists are split
MAX_USER_IMPORT_ROWS = 2000
#: what the preview shows for a password given in a row with errors (the password itself is not kept)
HIDDEN_PASSWORD = "（已填写，未保存）"
ON_EXISTING_CHOICES = ("skip", "update")

HEADER_ALIASES = {
    "账号": "用户名", "帐号": "用户名", "登录名": "用户名", "工号": "用户名",
    "名字": "姓名", "真实姓名": "姓名",
    "部门": "单位", "所在单位": "单位", "科室": "单位",
    "身份": "角色", "用户角色": "角色",
    "密码": "初始密码",
    "电话": "联系电话", "手机": "联系电话", "手机号": "联系电话", "手机号码": "联系电话", "联系方式": "联系电话",
    "岗位": "岗位类别", "人员类别": "岗位类别",
}
#: 岗位类别 as people write it (blank: 从业人员 for a new account, unchanged for an existing one)
POSITION_SPELLINGS = {
    **{p: p for p in POSITIONS},
    **dict.fromkeys(("负责人", "主要负责人员", "单位主要负责人"), "主要负责人"),
    **dict.fromkeys(("安全管理人员", "安全生产管理员", "安全员"), "安全生产管理人员"),
    **dict.fromkeys(("从业人员", "职工", "员工", "一般从业人员"), "从业人员"),
}
#: the longest contact a row may give (User.phone)
MAX_PHONE_LENGTH = 32

ROLE_SPELLINGS = {
    **dict.fromkeys(("职工", "员工", "employee", "普通用户"), "employee"),
    **dict.fromkeys(("单位管理员", "安全员", "联络员", "manager"), "manager"),
    **dict.fromkeys(("培训管理员", "培训员", "trainer"), "trainer"),
    **dict.fromkeys(("系统管理员", "管理员", "admin"), "admin"),
}


@dataclass
class UserRow:
    row: int
    username: str
    display_name: str
    unit: str
    role: str
    password_hash: str | None = None
    phone: str = ""
    position: str = ""

    def to_json(self) -> dict:
        return self.__dict__.copy()


def parse_user_upload(filename: str, data: bytes, *, hash_method: str, min_length: int,
                      unit_scope: Collection[str] | None = None, roles: Collection[str] | None = None) -> dict:
    """Read and check the file (units and existing names are read, nothing is written).

    Raises FileRejected for an unusable file.  Given passwords are hashed here when
    the file has no errors (a file with errors cannot be confirmed anyway).  ``unit_scope``
    (names of the units a manager manages) and ``roles`` (the roles they may give), when
    given, turn every row outside them into a row error.
    """
    header, rows = read_table(filename, data, max_rows=MAX_USER_IMPORT_ROWS)
    positions = column_positions(header, USER_IMPORT_HEADERS, HEADER_ALIASES)
    missing = [name for name in REQUIRED_HEADERS if name not in positions]
    if missing:
        raise FileRejected("missing_column", f"缺少必填列{'、'.join(f'“{n}”' for n in missing)}，请使用用户导入模板中的表头")
    unit_names = set(db.session.scalars(select(Unit.name)))
    retired_names = set(db.session.scalars(select(Unit.name).where(Unit.retired_at.is_not(None))))
    errors: list[RowError] = []
    parsed: list[UserRow] = []
    passwords: dict[int, str] = {}
    first_row: dict[str, int] = {}
    for number, cells in rows:
        def cell(name: str) -> str:
            index = positions.get(name)
            return (cells[index] if index is not None and index < len(cells) else "").strip()

        row_errors: list[RowError] = []
        username = accounts.normalize_username(cell("用户名"))
        try:
            accounts.validate_username(username)
        except ValidationFailed as error:
            row_errors.append(RowError(number, "用户名", error.message if username else "用户名不能为空"))
        else:
            earlier = first_row.setdefault(username, number)
            if earlier != number:
                row_errors.append(RowError(number, "用户名", f"与第{earlier}行的用户名重复"))
        display_name = cell("姓名")
        if not display_name:
            row_errors.append(RowError(number, "姓名", "姓名不能为空"))
        elif len(display_name) > 64:
            row_errors.append(RowError(number, "姓名", "姓名不能超过 64 个字"))
        raw_role = cell("角色")
        role = ROLE_SPELLINGS.get(unicodedata.normalize("NFKC", raw_role).strip().casefold(), None) if raw_role else "employee"
        if role is None:
            row_errors.append(RowError(number, "角色", f"无法识别的角色“{raw_role}”，请填写 职工、单位管理员、培训管理员 或 系统管理员"))
        elif roles is not None and role not in roles:
            row_errors.append(RowError(number, "角色", f"您只能导入{'或'.join(ROLE_LABELS[r] for r in roles)}"))
        unit = cell("单位")
        if unit_scope is not None and unit not in unit_scope:
            row_errors.append(RowError(number, "单位", f"单位“{unit}”不在您管理的范围内，只能导入本单位及下级单位的人员"
                                       if unit else "请填写单位（本单位或下级单位）"))
        elif unit and unit not in unit_names:
            row_errors.append(RowError(number, "单位", f"单位“{unit}”不存在，请先在“单位管理”中添加"))
        elif unit in retired_names:
            row_errors.append(RowError(number, "单位", f"单位“{unit}”已停用，不能再加入人员，请改填其他单位"))
        elif not unit and role == "employee":
            row_errors.append(RowError(number, "单位", "职工必须填写单位"))
        elif not unit and role == "manager":
            row_errors.append(RowError(number, "单位", "单位管理员必须填写所管理的单位"))
        password = cell("初始密码")
        if password:
            try:
                check_password(password, min_length, username=username, display_name=display_name)
            except ValidationFailed as error:
                row_errors.append(RowError(number, "初始密码", error.message))
        phone = cell("联系电话")
        if len(phone) > MAX_PHONE_LENGTH:
            row_errors.append(RowError(number, "联系电话", f"联系电话不能超过 {MAX_PHONE_LENGTH} 个字符"))
        raw_position = cell("岗位类别")
        position = POSITION_SPELLINGS.get(unicodedata.normalize("NFKC", raw_position).strip(), None) if raw_position else ""
        if position is None:
            row_errors.append(RowError(number, "岗位类别", f"无法识别的岗位类别“{raw_position}”，请填写 {'、'.join(POSITIONS)} 或留空"))
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(UserRow(number, username, display_name, unit, role, phone=phone, position=position))
        if password:
            passwords[number] = password
    if not errors and passwords:
        by_number = {row.row: row for row in parsed}
        hashes = hash_passwords(list(passwords.values()), hash_method)
        for number, password_hash in zip(passwords, hashes):
            by_number[number].password_hash = password_hash
    error_rows = {error.row for error in errors}
    return {
        "header": header,
        "rows": [row.to_json() for row in parsed],
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in errors],
        "raw_rows": {str(number): _without_password(cells, positions.get("初始密码"))
                     for number, cells in rows if number in error_rows},
    }


def _without_password(cells: list[str], index: int | None) -> list[str]:
    """A row's cells as the preview shows them again, the plain password replaced by a mark."""
    if index is None or index >= len(cells) or not cells[index]:
        return list(cells)
    return [*cells[:index], HIDDEN_PASSWORD, *cells[index + 1:]]


def hash_passwords(passwords: list[str], hash_method: str) -> list[str]:
    """Hash in parallel threads (the scrypt/pbkdf2 work releases the GIL)."""
    if len(passwords) < 4:
        return [generate_password_hash(password, method=hash_method) for password in passwords]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda password: generate_password_hash(password, method=hash_method), passwords))


def store_user_upload(owner: User, filename: str, payload: dict, now: datetime) -> PendingImport:
    error_rows = {error["row"] for error in payload["errors"]}
    return store_pending_import(owner, KIND, filename, payload, now,
                                row_count=len(payload["rows"]) + len(error_rows), error_count=len(payload["errors"]))


def _rows_of(pending: PendingImport) -> list[UserRow]:
    return [UserRow(**data) for data in pending.payload["rows"]]


def _existing_usernames(usernames: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(usernames), 500):
        chunk = usernames[start : start + 500]
        for user in db.session.scalars(select(User).where(User.username.in_(chunk))):
            found[user.username] = user
    return found


@dataclass
class UserPreviewRow:
    row: int
    #: "new" | "existing" | "error"
    status: str
    user: UserRow | None = None
    cells: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    existing: User | None = None


@dataclass
class UserImportPreview:
    filename: str
    header: list[str]
    rows: list[UserPreviewRow]
    errors: list[RowError]
    new_count: int = 0
    existing_count: int = 0
    generated_count: int = 0

    @property
    def can_confirm(self) -> bool:
        return not self.errors and bool(self.rows)


def build_user_preview(pending: PendingImport) -> UserImportPreview:
    rows = _rows_of(pending)
    existing = _existing_usernames([row.username for row in rows])
    errors = [RowError(e["row"], e["column"], e["message"]) for e in pending.payload["errors"]]
    preview_rows = []
    counts = {"new": 0, "existing": 0, "generated": 0}
    for row in rows:
        user = existing.get(row.username)
        status = "existing" if user else "new"
        counts[status] += 1
        counts["generated"] += int(user is None and row.password_hash is None)
        preview_rows.append(UserPreviewRow(row.row, status, row, existing=user))
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    raw_rows = pending.payload.get("raw_rows", {})
    for number, row_errors in by_row.items():
        preview_rows.append(UserPreviewRow(number, "error", cells=raw_rows.get(str(number), []), errors=row_errors))
    preview_rows.sort(key=lambda item: item.row)
    return UserImportPreview(pending.filename, pending.payload["header"], preview_rows, errors,
                             counts["new"], counts["existing"], counts["generated"])


def passwords_to_generate(pending: PendingImport) -> dict[str, str]:
    """username -> a new random password, for new accounts whose file gave none."""
    rows = _rows_of(pending)
    existing = _existing_usernames([row.username for row in rows])
    return {row.username: generate_password() for row in rows if row.password_hash is None and row.username not in existing}


def new_passwords(pending: PendingImport, hash_method: str) -> dict[str, tuple[str, str]]:
    """username -> (generated password, its hash) for new accounts the file gave none: made before
    the write block (hashing is the slow part of a confirm)."""
    passwords = passwords_to_generate(pending)
    hashes = hash_passwords(list(passwords.values()), hash_method)
    return {name: (password, hashed) for (name, password), hashed in zip(passwords.items(), hashes)}


@dataclass
class UserImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    #: (username, display name, generated password): shown once, never stored
    credentials: list[tuple[str, str, str]] = field(default_factory=list)


def apply_user_import(
    pending: PendingImport,
    on_existing: str,
    generated: dict[str, tuple[str, str]],
    actor: User,
    now: datetime,
    *,
    unit_scope: Collection[str] | None = None,
    may_update: Callable[[User], bool] | None = None,
) -> UserImportResult:
    """Create (or update) every account; ``generated`` maps username -> (password, hash).

    A manager's import passes ``unit_scope`` (unit names, checked again: the tree may have moved
    since the upload) and ``may_update`` (whether an existing account may be changed).
    """
    if on_existing not in ON_EXISTING_CHOICES:
        raise ValidationFailed("请选择已有用户的处理方式", field="on_existing")
    if pending.error_count:
        raise ValidationFailed("文件中有错误，请修改后重新上传；未导入任何用户", code="invalid_file")
    rows = _rows_of(pending)
    units = {unit.name: unit for unit in db.session.scalars(select(Unit))}
    existing = _existing_usernames([row.username for row in rows])
    result = UserImportResult()
    for row in rows:
        unit = units.get(row.unit) if row.unit else None
        if row.unit and unit is None:
            raise ValidationFailed(f"第{row.row}行的单位“{row.unit}”已不存在，请重新上传", code="invalid_file")
        if unit_scope is not None and row.unit not in unit_scope:
            raise ValidationFailed(f"第{row.row}行的单位“{row.unit}”不在您管理的范围内，未导入任何用户", code="out_of_scope")
        if unit is not None and unit.retired_at is not None and (row.username not in existing
                                                                 or existing[row.username].unit_id != unit.id):
            raise ValidationFailed(f"第{row.row}行的单位“{row.unit}”已停用，请重新上传", code="invalid_file")
        user = existing.get(row.username)
        if user is not None:
            if on_existing == "skip":
                result.skipped += 1
                continue
            if may_update is not None and not may_update(user):
                raise ValidationFailed(f"第{row.row}行的用户名“{row.username}”属于您管理范围以外的账号，不能更新；"
                                       "请改用其他用户名或选择“跳过”，未导入任何用户", code="out_of_scope")
            if user.id == actor.id and row.role != "admin":
                raise ValidationFailed(f"第{row.row}行会取消您自己的管理员角色，请修改文件", code="self_lockout")
            user.display_name, user.role, user.unit = row.display_name, row.role, unit
            if row.phone:
                user.phone = row.phone
            if row.position:
                user.position = row.position
            accounts.token_memo.forget_user(user.id)  # the role may have changed
            if row.password_hash:
                accounts.set_password_hash(user, row.password_hash, now, must_change=True)
            result.updated += 1
            continue
        password_hash = row.password_hash
        if password_hash is None:
            if row.username not in generated:
                raise ValidationFailed("导入期间数据发生了变化，请重新确认", code="import_changed")
            password, password_hash = generated[row.username]
            result.credentials.append((row.username, row.display_name, password))
        user = User(username=row.username, display_name=row.display_name, unit=unit, role=row.role,
                    password_hash=password_hash, must_change_password=True, created_at=now, phone=row.phone or None,
                    position=row.position or None)
        db.session.add(user)
        result.created += 1
    db.session.flush()
    record_audit(
        actor, "user.import", "user", None,
        f"从“{pending.filename}”导入用户：新增 {result.created}，更新 {result.updated}，跳过 {result.skipped}",
        now,
        {"file": pending.filename, "created": result.created, "updated": result.updated, "skipped": result.skipped,
         "on_existing": on_existing,
         "roles": {label: sum(1 for row in rows if ROLE_LABELS[row.role] == label) for label in ROLE_LABELS.values()}},
    )
    discard_pending_import(pending)
    return result


def user_template_xlsx() -> bytes:
    """The import template with two example rows."""
    return table_to_xlsx(
        USER_IMPORT_HEADERS,
        [["zhangsan", "张三", "区图书馆", "职工", "", "13800000000", "从业人员"],
         ["lisi", "李四", "区文化馆", "职工", "Maple#Brook58", "", "安全生产管理人员"]],
        sheet_title="用户",
    )
