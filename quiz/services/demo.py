"""Demo data for `make run`: units, accounts, two quizzes and a level series over the built-in bank."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from question_bank import load_builtin_bank

from ..extensions import db
from ..models import Category
from . import accounts, quizzes
from ..campaigns import services as campaigns
from ..training import levels
from ..learning.demo import seed_demo_course
from ..offline.demo import seed_demo_sessions
from ..records.demo import seed_demo_records
from .clock import CAMPAIGN_TZ
from .questions import import_question_records

DEMO_PASSWORD = "Lantern-Ridge-58"  # passes the password policy (quiz/services/passwords.py)

DEMO_UNITS = [
    ("办公室", "科室", 8),
    ("文化艺术科", "科室", 6),
    ("旅游发展科", "科室", 7),
    ("文物保护科", "科室", 5),
    ("区图书馆", "场馆", 25),
    ("区文化馆", "局属单位", 18),
    ("区博物馆", "场馆", 20),
    ("文化市场综合执法大队", "局属单位", 30),
    ("团泊湖景区管理有限公司", "景区", None),
]

#: (username, display name, unit, role)
DEMO_USERS = [
    ("admin", "系统管理员", "办公室", "admin"),
    ("trainer", "王培训", "办公室", "trainer"),
    ("anquanyuan", "陈安全", "区图书馆", "manager"),
    ("zhangsan", "张三", "区图书馆", "employee"),
    ("lisi", "李四", "区文化馆", "employee"),
    ("wangwu", "王五", "区博物馆", "employee"),
    ("zhaoliu", "赵六", "文化艺术科", "employee"),
]


def seed_demo(now: datetime, *, hash_method: str) -> list[tuple[str, str, str]]:
    """Create the demo data in an empty database; return (username, password, role label) rows."""
    bank = load_builtin_bank()
    if not bank.ok:
        raise RuntimeError(f"built-in bank has errors: {bank.errors[:3]}")
    import_question_records(bank.records)

    units = {name: accounts.create_unit(name, kind, headcount) for name, kind, headcount in DEMO_UNITS}
    password_hash = accounts.hash_new_password(DEMO_PASSWORD, hash_method=hash_method, min_length=8)
    logins = []
    for username, display_name, unit_name, role in DEMO_USERS:
        accounts.create_user(
            username, password_hash=password_hash, display_name=display_name, unit=units[unit_name], role=role
        )
        logins.append((username, DEMO_PASSWORD, role))

    trainer = accounts.find_user("trainer")
    contest = quizzes.QuizSettings(
        title="“测测你的安全力”安全知识竞赛",
        description="安全生产月知识竞赛：法律法规、消防安全、疏散逃生、应急救援、文旅行业安全。每天可答一轮，取最好成绩。",
        time_limit_seconds=20 * 60,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        max_attempts=3,
        max_attempts_per_day=1,
        pass_score=60,
        shuffle_options=True,
        review_policy="immediate",
    )
    contest_quiz = quizzes.create_quiz(contest, [
        quizzes.RuleSpec(count=10, type="single", points=4),
        quizzes.RuleSpec(count=6, type="multiple", points=5),
        quizzes.RuleSpec(count=10, type="true_false", points=3),
    ], trainer, now)
    fire = db.session.scalar(select(Category).where(Category.name == "消防安全"))
    fire_quiz = quizzes.QuizSettings(
        title="消防安全专项测验",
        description="消防安全知识小测验，不限次数，多选题选对但不全得一半分。",
        time_limit_seconds=10 * 60,
        max_attempts=None,
        pass_score=60,
        multiple_choice_scoring="partial",
    )
    fire_contest = quizzes.create_quiz(fire_quiz, [
        quizzes.RuleSpec(count=6, category_id=fire.id, type="single", points=10),
        quizzes.RuleSpec(count=4, category_id=fire.id, type="multiple", points=10),
    ], trainer, now)
    category_ids = dict(db.session.execute(select(Category.name, Category.id)).all())
    series = levels.seed_demo_series(trainer, category_ids, now)
    seed_demo_campaigns(trainer, [contest_quiz, fire_contest], series, now)
    seed_demo_course(trainer, fire_contest, now)
    seed_demo_sessions(trainer, fire_contest, now)
    seed_demo_records(now)
    return logins


def seed_demo_campaigns(trainer, demo_quizzes, series, now: datetime) -> None:
    """Last year's campaign (no quizzes left in the demo) and this year's, around ``now``, holding the demo quizzes."""
    year = now.astimezone(CAMPAIGN_TZ).year
    campaigns.create_campaign(campaigns.CampaignFields(
        f"{year - 1}年“安全生产月”活动", year - 1, "落实安全责任，推动安全发展",
        date(year - 1, 6, 1), date(year - 1, 6, 30)), trainer, now)
    today = now.astimezone(CAMPAIGN_TZ).date()
    current = campaigns.create_campaign(campaigns.CampaignFields(
        f"{year}年“安全生产月”活动", year, "人人讲安全、个个会应急", max(today - timedelta(days=1), date(year, 1, 1)),
        today + timedelta(days=30)),
        trainer, now)
    for quiz in demo_quizzes:
        campaigns.assign_quiz(quiz, current, trainer, now)
    campaigns.assign_series(series, current, trainer, now)
