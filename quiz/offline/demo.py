"""The demo sessions: last month's fire-safety training with attendance (list and QR), and one
today around ``now`` whose QR sign-in is open, with the fire-safety quiz as its 考核."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Quiz, TrainingSession, User
from . import services
from .services import SessionFields


def seed_demo_sessions(trainer: User, quiz: Quiz, now: datetime) -> list[TrainingSession]:
    past_start = (now - timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    past = services.create_session(SessionFields(
        "消防安全培训：灭火器与消火栓的使用", "消防安全",
        "《消防法》要点；初起火灾处置“四个能力”；灭火器、室内消火栓实操；疏散逃生路线。",
        "区文化馆多功能厅", "区消防救援大队 刘教官", 2, past_start, past_start + timedelta(hours=2)), trainer, now)
    people = list(db.session.scalars(select(User).where(User.role == "employee").order_by(User.id)))
    services.add_attendees(past, people[:-1], "list", trainer, past_start + timedelta(hours=2))
    if people:
        services.record_attendance(past, people[-1], "qr", None, past_start + timedelta(minutes=5))
    start = now - timedelta(minutes=15)
    today = services.create_session(SessionFields(
        "安全生产月专题讲座：公众聚集场所应急疏散", "应急救援",
        "景区、剧场、博物馆客流高峰时的疏散组织；典型事故案例；现场签到后参加考核。",
        "区图书馆报告厅", "王培训", 1.5, start, start + timedelta(hours=2), quiz.id), trainer, now)
    return [past, today]
