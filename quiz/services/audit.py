"""The audit log: every change a trainer or admin makes is written here, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

from ..extensions import db
from ..models import AuditEntry, User

#: action -> label shown to admins
ACTION_LABELS = {
    "question.create": "新增题目",
    "question.update": "修改题目",
    "question.activate": "启用题目",
    "question.deactivate": "停用题目",
    "question.delete": "删除题目",
    "question.import": "批量导入题目",
    "question.import_mapping": "导入列映射",
    "edition.create": "新增被替代版本",
    "edition.delete": "删除被替代版本",
    "category.create": "新增分类",
    "category.rename": "重命名分类",
    "quiz.create": "新建测验",
    "quiz.update": "修改测验",
    "quiz.publish": "发布测验",
    "quiz.unpublish": "取消发布测验",
    "quiz.new_version": "创建测验新版本",
    "unit.create": "新增单位",
    "unit.update": "修改单位",
    "unit.move": "移动单位",
    "unit.merge": "合并单位",
    "unit.retire": "停用单位",
    "unit.restore": "恢复单位",
    "unit.delete": "删除单位",
    "unit.import": "导入单位树",
    "user.create": "新增用户",
    "user.update": "修改用户",
    "user.reset_password": "重置密码",
    "user.sign_out_everywhere": "退出所有设备",
    "user.import": "批量导入用户",
    "campaign.create": "新建活动",
    "campaign.update": "修改活动",
    "campaign.copy": "从上一年复制活动",
    "series.update": "修改闯关",
    "course.create": "新建课程",
    "course.update": "修改课程",
    "course.publish": "发布课程",
    "course.unpublish": "取消发布课程",
    "course.item_add": "添加学习内容",
    "course.item_update": "修改学习内容",
    "course.item_remove": "删除学习内容",
    "course.item_move": "调整学习内容顺序",
    "course.file_upload": "上传课程文件",
    "course.credit": "记入学时",
    "session.create": "新建线下培训",
    "session.update": "修改线下培训",
    "session.attendance": "线下培训签到",
    "requirement.create": "新增培训要求",
    "requirement.update": "修改培训要求",
    "requirement.activate": "启用培训要求",
    "requirement.deactivate": "停用培训要求",
    "record.void": "作废培训记录",
    "record.amend": "更正培训记录",
    "record.add": "补录培训记录",
}

TARGET_LABELS = {"question": "题目", "import_mapping": "导入列映射", "edition": "被替代版本", "category": "分类", "quiz": "测验", "unit": "单位", "user": "用户",
                 "campaign": "活动", "series": "闯关", "course": "课程", "training_session": "线下培训", "requirement": "培训要求"}


def _plain(value: Any) -> Any:
    """Make a value JSON-friendly (datetimes and dates as ISO text, tuples as lists)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value differs."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def record_audit(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    summary: str,
    now: datetime,
    changes: dict | None = None,
) -> AuditEntry:
    """Add one audit entry (flushed with the change it describes; the caller commits both)."""
    entry = AuditEntry(
        created_at=now,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:500],
        changes=_plain(changes or {}),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    target_type: str | None = None
    target_id: int | None = None
    actor_id: int | None = None
    action: str | None = None


def audit_query(filters: AuditFilter) -> Select:
    """Newest first, filtered."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    return query
