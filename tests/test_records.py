"""个人培训档案 and 单位培训台账: requirements (who they bind, how they are measured), the record's
entries and totals with an injected clock, year boundaries in Asia/Shanghai, corrections, the
ledger, exports (PDF, .xlsx) and who may see what."""

from __future__ import annotations

import importlib.util
import io
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import func, select

from quiz.extensions import db
from quiz.models import (
    AuditEntry, Course, CourseCompletion, SessionAttendance, TrainingCorrection, TrainingRequirement,
    TrainingSession,
)
from quiz.org.tree import load_tree
from quiz.records import exports, ledger, requirements, services
from quiz.records.requirements import RequirementFields
from quiz.records.services import CorrectionFields

from helpers import ROOT, T0, StatementLog, take_quiz

SHANGHAI = timezone(timedelta(hours=8))


def at(year, month, day, hour=10, minute=0) -> datetime:
    """A Shanghai wall-clock time as aware UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


def completion(user, title="消防安全微课堂", hours=0.5, category="消防安全", when=T0):
    course = Course(title=title, category=category, hours=hours, is_published=True)
    db.session.add(course)
    db.session.flush()
    row = CourseCompletion(user_id=user.id, course_id=course.id, completed_at=when, hours=hours,
                           year=services.year_of(when), course_title=title)
    db.session.add(row)
    db.session.commit()
    return row


def session(users, title="消防演练", hours=2, category="消防安全", starts_at=T0, quiz=None):
    row = TrainingSession(title=title, category=category, hours=hours, starts_at=starts_at,
                          ends_at=starts_at + timedelta(hours=2), quiz_id=quiz.id if quiz else None, checkin_secret="x")
    db.session.add(row)
    db.session.flush()
    for user in users:
        db.session.add(SessionAttendance(session_id=row.id, user_id=user.id, method="list", signed_at=starts_at))
    db.session.commit()
    return row


@pytest.fixture
def defaults(app):
    requirements.install_default_requirements(T0)
    db.session.commit()
    return requirements.active_requirements()


def requirement(name="要求", metric="hours", required=12, category="", positions=(), unit_kinds=()):
    return TrainingRequirement(name=name, metric=metric, required=required, category=category,
                               positions=list(positions), unit_kinds=list(unit_kinds))


# ---------------------------------------------------------------- the defaults


def test_the_app_defaults_match_the_migration_seed():
    spec = importlib.util.spec_from_file_location("m0013", ROOT / "migrations" / "versions" / "0013_training_record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DEFAULT_REQUIREMENTS == requirements.DEFAULT_REQUIREMENTS
    assert module.PUBLIC_VENUE_KINDS == requirements.PUBLIC_VENUE_KINDS


def test_defaults_are_installed_only_into_an_empty_table(app):
    assert requirements.install_default_requirements(T0) == 4
    assert requirements.install_default_requirements(T0) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count(TrainingRequirement.id))) == 4


# ---------------------------------------------------------------- rules


def test_applies_by_position_and_unit_kind(build):
    venue, office = build.unit("区图书馆", kind="图书馆"), build.unit("办公室", kind="科室")
    head = build.user(unit=office)
    head.position = "主要负责人"
    worker = build.user(unit=venue)  # no 岗位类别: 从业人员
    db.session.commit()
    managers_rule = requirement(positions=["主要负责人", "安全生产管理人员"])
    venue_rule = requirement(unit_kinds=requirements.PUBLIC_VENUE_KINDS)
    everyone = requirement()
    assert requirements.applies_to(managers_rule, head) and not requirements.applies_to(managers_rule, worker)
    assert requirements.applies_to(venue_rule, worker) and not requirements.applies_to(venue_rule, head)
    assert requirements.applies_to(everyone, head) and requirements.applies_to(everyone, worker)
    assert requirements.applies_to(requirement(positions=["从业人员"]), worker)
    assert not requirements.applies(venue_rule, None, None)  # no unit: no unit kind


def test_category_rule_is_an_exact_match_after_normalising():
    assert requirements.category_matches("", "任何分类")
    assert requirements.category_matches("消防安全", "消防安全")
    assert requirements.category_matches("消防安全", " 消防 安全 ")
    assert not requirements.category_matches("消防安全", "消防安全培训")
    assert not requirements.category_matches("消防", "消防安全")
    assert not requirements.category_matches("消防安全", "")


def entry(kind="course", hours=1.0, category="消防安全", voided=False):
    e = services.Entry(kind, 1, T0, "t", category, hours, "")
    if voided:
        e.voided_by = TrainingCorrection(reason="x")
    return e


def test_evaluate_hours_and_count():
    entries = [entry("course", 0.5), entry("session", 2), entry("session", 3, category="交通安全"),
               entry("quiz", 0), entry("manual", 1), entry("course", 4, voided=True)]
    assert requirements.evaluate(requirement(metric="hours"), entries) == 6.5
    assert requirements.evaluate(requirement(metric="hours", category="消防安全"), entries) == 3.5
    assert requirements.evaluate(requirement(metric="count", category="消防安全"), entries) == 3  # no quiz, no voided
    assert requirements.evaluate(requirement(metric="count"), entries) == 4


def test_requirement_checks_refuse_nonsense(app):
    for fields, field in [(RequirementFields("", "hours", 1), "name"), (RequirementFields("a", "days", 1), "metric"),
                          (RequirementFields("a", "hours", 0), "required"), (RequirementFields("a", "count", 1.5), "required"),
                          (RequirementFields("a", "hours", 1, positions=["局长"]), "positions")]:
        with pytest.raises(Exception) as caught:
            requirements.check_requirement(fields)
        assert caught.value.extra["field"] == field


# ---------------------------------------------------------------- the record


def test_record_totals_and_requirements(build, defaults):
    venue = build.unit("区博物馆", kind="博物馆")
    user = build.user(unit=venue, display_name="张三")
    user.position = "安全生产管理人员"
    completion(user, hours=1.5, when=at(2026, 3, 1))
    completion(user, title="交通安全", hours=4, category="交通安全", when=at(2026, 4, 1))
    session([user], hours=3, starts_at=at(2026, 5, 1))
    record = services.training_record(user, 2026, T0)
    assert record.total_hours == 8.5
    assert [e.kind for e in record.entries] == ["course", "course", "session"]
    done = {s.requirement.name: (s.done, s.required, s.met) for s in record.requirements}
    assert done == {"消防安全培训（每年至少一次）": (2, 1, True), "消防安全培训（公众聚集场所每半年一次）": (2, 2, True),
                    "安全生产管理人员年度再培训": (8.5, 12, False)}
    assert not record.all_met


def test_year_boundaries_are_in_shanghai(build, defaults):
    user = build.user()
    completion(user, title="元旦前", when=at(2025, 12, 31, 23, 30))   # 2025-12-31 15:30 UTC
    completion(user, title="元旦", when=at(2026, 1, 1, 0, 30))        # 2025-12-31 16:30 UTC: 2026
    session([user], title="除夕夜", starts_at=at(2026, 12, 31, 23, 0))
    session([user], title="新年", starts_at=at(2027, 1, 1, 7, 59))     # 2026-12-31 23:59 UTC: 2027
    assert [e.title for e in services.training_record(user, 2026, T0).entries] == ["元旦", "除夕夜"]
    assert [e.title for e in services.training_record(user, 2025, T0).entries] == ["元旦前"]
    assert [e.title for e in services.training_record(user, 2027, T0).entries] == ["新年"]


def test_quizzes_one_entry_with_the_best_attempt_and_session_exam_result(build, defaults):
    user = build.user()
    quiz = build.quiz(pass_score=10, max_attempts=None, max_attempts_per_day=None, now=T0)
    take_quiz(user, quiz, T0, right=False)
    best = take_quiz(user, quiz, T0 + timedelta(hours=1))
    take_quiz(user, quiz, T0 + timedelta(hours=2), right=False)
    session([user], title="消防考核培训", starts_at=T0 - timedelta(days=1), quiz=quiz)
    record = services.training_record(user, 2026, T0)
    quizzes = [e for e in record.entries if e.kind == "quiz"]
    assert len(quizzes) == 1 and quizzes[0].entry_id == best.id
    assert quizzes[0].result.startswith("合格") and quizzes[0].hours == 0
    assert next(e for e in record.entries if e.kind == "session").result.startswith("合格")
    # the quiz is not a training: one training (the session) counts
    assert next(s for s in record.requirements if s.requirement.metric == "count").done == 1


# ---------------------------------------------------------------- corrections


def test_void_amend_add_are_new_rows_applied_when_read(build, defaults):
    user, trainer = build.user(), build.user(role="trainer")
    course = completion(user, hours=1)
    attendance = db.session.scalar(select(SessionAttendance).where(
        SessionAttendance.session_id == session([user], hours=2).id))
    services.add_correction(user, 2026, CorrectionFields("void", "重复签到", "session", attendance.id), trainer, T0)
    services.add_correction(user, 2026, CorrectionFields("amend", "课程学时登记错误", "course", course.id, hours=1.5,
                                                         result="合格"), trainer, T0)
    services.add_correction(user, 2026, CorrectionFields("add", "纸质签到表补录", entry_date=at(2026, 2, 3),
                                                         title="消防安全知识讲座（纸质签到）", category="消防安全", hours=2),
                            trainer, T0)
    db.session.commit()
    record = services.training_record(user, 2026, T0)
    by_kind = {e.kind: e for e in record.entries}
    assert not by_kind["session"].counts and "重复签到" in by_kind["session"].note
    assert by_kind["course"].hours == 1.5 and by_kind["course"].result == "合格"
    assert by_kind["manual"].title == "消防安全知识讲座（纸质签到）"
    assert record.total_hours == 3.5
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("record.%"))) == 3
    assert db.session.get(CourseCompletion, course.id).hours == 1  # the source row is untouched
    # an added entry can itself be voided
    manual = by_kind["manual"]
    services.add_correction(user, 2026, CorrectionFields("void", "误录", "manual", manual.entry_id), trainer, T0)
    assert services.training_record(user, 2026, T0).total_hours == 1.5


@pytest.mark.parametrize("fields, field", [
    (CorrectionFields("void", "", "course", 1), "reason"),
    (CorrectionFields("void", "原因", "course", 999), "entry"),
    (CorrectionFields("amend", "原因", "course", 1), "hours"),
    (CorrectionFields("amend", "原因", "course", 1, hours=-1), "hours"),
    (CorrectionFields("add", "原因", title="讲座", hours=1), "entry_date"),
    (CorrectionFields("add", "原因", entry_date=at(2025, 6, 1), title="讲座", hours=1), "entry_date"),
    (CorrectionFields("add", "原因", entry_date=at(2026, 6, 1), hours=1), "title"),
])
def test_bad_corrections_are_refused_and_nothing_is_written(build, defaults, fields, field):
    user, trainer = build.user(), build.user(role="trainer")
    row = completion(user)
    if fields.entry_id == 1:
        fields.entry_id = row.id
    with pytest.raises(Exception) as caught:
        services.add_correction(user, 2026, fields, trainer, T0)
    assert caught.value.extra["field"] == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(TrainingCorrection.id))) == 0


# ---------------------------------------------------------------- the ledger


def test_ledger_covers_the_subtree_with_few_queries(build, defaults, app):
    parent = build.unit("文旅局", kind="局")
    child = build.unit("区图书馆", kind="图书馆")
    child.parent_id = parent.id
    db.session.commit()
    people = [build.user(unit=child, display_name=f"馆员{n}") for n in range(30)]
    for user in people[:10]:
        completion(user, hours=1)
    session(people[:20], hours=2, starts_at=at(2026, 3, 1))
    session(people[:10], hours=2, starts_at=at(2026, 9, 1))
    with StatementLog() as log:
        reqs, rows = ledger.unit_ledger(parent.id, 2026, load_tree())
    assert len(log.statements) < 10
    assert len(rows) == 30
    met = [row for row in rows if row.met]
    assert len(met) == 10  # the library is a 公众聚集场所: two fire-safety trainings a year
    assert {row.hours for row in rows} == {5.0, 2.0, 0.0}


def test_list_page():
    page = ledger.ListPage(list(range(120)), 3, per_page=50)
    assert page.items == list(range(100, 120)) and page.pages == 3 and not page.has_next
    assert list(ledger.ListPage(list(range(1000)), 10, per_page=10).iter_pages()) [:3] == [1, None, 8]
    assert ledger.ListPage([], 9).page == 1


# ---------------------------------------------------------------- exports


def test_record_xlsx_round_trip(build, defaults):
    user = build.user(display_name="李四")
    completion(user, title="=HYPERLINK(\"x\")", hours=0.5)
    record = services.training_record(user, 2026, T0)
    book = openpyxl.load_workbook(io.BytesIO(exports.record_xlsx(record)))
    rows = list(book["培训记录"].values)
    assert rows[0][:5] == ("姓名", "用户名", "单位", "岗位类别", "年度")
    assert rows[1][0] == "李四" and rows[1][4] == 2026 and rows[1][9] == 0.5
    assert str(rows[1][7]).startswith("'=")  # formula-safe
    assert list(book["年度要求"].values)[1][6] == 0.5


def test_record_pdf_is_a_valid_pdf_with_many_entries(build, defaults, tmp_path):
    user = build.user(display_name="王五")
    for n in range(45):
        completion(user, title=f"第{n}讲 " + "很长的课程名称" * 8, hours=0.5, when=at(2026, 1, 1) + timedelta(days=n))
    data = exports.record_pdf(services.training_record(user, 2026, T0), issuer="区文化和旅游局")
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    import shutil
    import subprocess
    if shutil.which("pdfinfo"):
        path = tmp_path / "record.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))) >= 3
        assert "王五" in info  # the title names the person
    if shutil.which("pdftotext") and exports.WQY_ZENHEI.is_file():
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "王五" in text and "本人签字" in text and "考核人签字" in text
