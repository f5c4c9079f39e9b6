"""Demo records: the default yearly requirements, 岗位类别 for some demo people, and two corrections
(trainings held on paper, 补录 by the trainer) so a record and the ledger look real."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..services import accounts
from . import requirements, services
from .services import CorrectionFields

#: username -> 岗位类别 (everyone else: 从业人员)
DEMO_POSITIONS = {"anquanyuan": "安全生产管理人员", "wangwu": "主要负责人"}


def _this_year(now: datetime, days_back: int) -> datetime:
    """``days_back`` days before now, but never before the start of now's year."""
    start, _ = services.year_bounds(services.year_of(now))
    return max(now - timedelta(days=days_back), start + timedelta(hours=12))


def seed_demo_records(now: datetime) -> None:
    requirements.install_default_requirements(now)
    for username, position in DEMO_POSITIONS.items():
        user = accounts.find_user(username)
        if user is not None:
            user.position = position
    trainer = accounts.find_user("trainer")
    year = services.year_of(now)
    for username, title, days_back in (("zhangsan", "消防安全知识讲座（纸质签到）", 30),
                                       ("anquanyuan", "安全生产管理人员年度再培训（区应急局集中培训）", 60)):
        person = accounts.find_user(username)
        if person is None or trainer is None:
            continue
        hours = 2 if username == "zhangsan" else 8
        services.add_correction(person, year, CorrectionFields(
            "add", "线下培训使用纸质签到表，按签到表和考核记录补录", entry_date=_this_year(now, days_back), title=title,
            category="消防安全" if username == "zhangsan" else "安全生产", hours=hours, result="合格"), trainer, now)
