"""线下培训: the sign-in rules with an injected clock (code rotation, window, idempotency), list
and import attendance, and that a bad import changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quiz.errors import ValidationFailed
from quiz.extensions import db
from quiz.models import AuditEntry, SessionAttendance
from quiz.offline import attendance_import, services
from quiz.offline.services import SessionFields

from helpers import T0, xlsx_file


def make_session(build, *, start=T0, minutes=90, quiz=None):
    trainer = build.user(f"t{build._next()}", role="trainer")
    session = services.create_session(SessionFields("消防安全培训", "消防安全", "灭火器使用", "三楼会议室", "张老师", 2,
                                                    start, start + timedelta(minutes=minutes),
                                                    quiz.id if quiz else None), trainer, T0)
    db.session.commit()
    return session, trainer


def count_attendance(session) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionAttendance)
                             .where(SessionAttendance.session_id == session.id))


def test_the_code_changes_every_30_seconds_and_is_six_digits(build):
    session, _ = make_session(build)
    codes = {services.current_code(session, T0 + timedelta(seconds=30 * i)) for i in range(20)}
    assert len(codes) >= 19 and all(len(c) == 6 and c.isdigit() for c in codes)
    # the same step gives the same code; another session's secret gives another one
    assert services.current_code(session, T0) == services.current_code(session, T0 + timedelta(seconds=T0.second % 30))
    other, _ = make_session(build)
    assert services.current_code(other, T0) != services.current_code(session, T0)


def test_the_current_and_the_previous_code_are_accepted_not_older(build):
    session, _ = make_session(build)
    now = T0 + timedelta(minutes=5)
    step = services.time_step(now)
    assert services.code_is_valid(session, services.code_for_step(session.checkin_secret, step), now)
    assert services.code_is_valid(session, services.code_for_step(session.checkin_secret, step - 1), now)
    old = services.code_for_step(session.checkin_secret, step - 2)
    assert not services.code_is_valid(session, old, now)
    user = build.user()
    with pytest.raises(ValidationFailed) as refused:
        services.sign_in_with_code(session, user, old, now)
    assert refused.value.code == "code_expired" and "签到码已过期" in refused.value.message
    with pytest.raises(ValidationFailed) as wrong:
        services.sign_in_with_code(session, user, "abc", now)
    assert wrong.value.code == "code_format"
    assert count_attendance(session) == 0


def test_sign_in_works_only_inside_the_window(build):
    session, _ = make_session(build, minutes=60)
    user = build.user()
    for moment in (T0 - timedelta(minutes=31), T0 + timedelta(minutes=61)):
        with pytest.raises(ValidationFailed) as refused:
            services.sign_in_with_code(session, user, services.current_code(session, moment), moment)
        assert refused.value.message == "不在签到时间内"
    early = T0 - timedelta(minutes=29)  # the documented grace before the start
    result = services.sign_in_with_code(session, user, services.current_code(session, early), early)
    assert result.created and result.attendance.method == "qr" and result.attendance.recorded_by_id is None
    assert services.checkin_open(session, session.ends_at)


def test_a_repeated_sign_in_is_idempotent(build):
    session, _ = make_session(build)
    user = build.user()
    now = T0 + timedelta(minutes=1)
    first = services.sign_in_with_code(session, user, services.current_code(session, now), now)
    db.session.commit()
    later = now + timedelta(minutes=10)
    again = services.sign_in_with_code(session, user, "000000", later)  # even with a stale code
    assert not again.created and again.attendance.id == first.attendance.id
    assert again.attendance.signed_at == now
    assert count_attendance(session) == 1
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "session.attendance")).all()
    assert len(audits) == 1


def test_a_disabled_user_cannot_sign_in(build):
    session, _ = make_session(build)
    user = build.user()
    user.is_enabled = False
    with pytest.raises(Exception) as refused:
        services.sign_in_with_code(session, user, services.current_code(session, T0), T0)
    assert "停用" in str(refused.value)


def test_a_typed_code_finds_its_session(build):
    session, _ = make_session(build)
    make_session(build, start=T0 + timedelta(days=3))
    assert services.session_for_code(services.current_code(session, T0), T0).id == session.id
    with pytest.raises(ValidationFailed):
        services.session_for_code("12345", T0)


def test_session_rules_and_audit(build):
    session, trainer = make_session(build)
    with pytest.raises(ValidationFailed) as refused:
        services.update_session(session, SessionFields("x", starts_at=T0, ends_at=T0), trainer, T0)
    assert refused.value.extra["field"] == "ends_at"
    db.session.rollback()
    fields = SessionFields.of(session)
    fields.place = "一楼大厅"
    assert services.update_session(session, fields, trainer, T0) == {"place": ["三楼会议室", "一楼大厅"]}
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["session.create", "session.update"]


def test_list_attendance_adds_and_keeps_earlier_rows(build):
    session, trainer = make_session(build)
    a, b = build.user(), build.user()
    services.sign_in_with_code(session, a, services.current_code(session, T0), T0)
    result = services.add_attendees(session, services.users_by_ids([a.id, b.id]), "list", trainer,
                                    T0 + timedelta(minutes=3))
    assert [u.id for u in result.added] == [b.id] and [u.id for u in result.already] == [a.id]
    rows = {r.user_id: r for r in services.attendance_list(session)}
    assert rows[a.id].method == "qr" and rows[b.id].method == "list" and rows[b.id].recorded_by_id == trainer.id
    with pytest.raises(ValidationFailed):
        services.users_by_ids([b.id, 999999])


def test_import_by_username_or_name_and_unit(build):
    session, trainer = make_session(build)
    unit = build.unit("区图书馆")
    zhang = build.user("zhangsan", display_name="张三", unit=unit)
    li = build.user("lisi", display_name="李四", unit=unit)
    data = xlsx_file([["用户名", "姓名", "部门"], ["ZhangSan", "", ""], ["", "李四", "区图书馆"]])
    payload = attendance_import.parse_upload(session.id, "签到.xlsx", data)
    assert payload["errors"] == []
    pending = attendance_import.store_upload(trainer, "签到.xlsx", payload, T0)
    _session, result = attendance_import.apply_import(pending, trainer, T0)
    assert {u.id for u in result.added} == {zhang.id, li.id}
    assert {r.method for r in services.attendance_list(session)} == {"import"}


def test_import_with_bad_rows_reports_each_and_changes_nothing(build):
    session, trainer = make_session(build)
    unit = build.unit("区博物馆")
    build.user("wangwu", display_name="王五", unit=unit)
    build.user("w1", display_name="赵六", unit=unit)
    build.user("w2", display_name="赵六", unit=unit)
    data = xlsx_file([["用户名", "姓名", "单位"], ["wangwu", "", ""], ["nobody", "", ""], ["", "赵六", "区博物馆"],
                      ["", "钱七", ""], ["wangwu", "", ""]])
    payload = attendance_import.parse_upload(session.id, "bad.xlsx", data)
    messages = {e["row"]: e["message"] for e in payload["errors"]}
    assert set(messages) == {3, 4, 5, 6}
    assert "nobody" in messages[3] and "2 位" in messages[4] and "单位" in messages[5] and "同一人" in messages[6]
    pending = attendance_import.store_upload(trainer, "bad.xlsx", payload, T0)
    with pytest.raises(ValidationFailed):
        attendance_import.apply_import(pending, trainer, T0)
    db.session.rollback()
    assert count_attendance(session) == 0


def test_import_refuses_a_file_without_the_columns(build):
    from question_bank import FileRejected
    session, _ = make_session(build)
    with pytest.raises(FileRejected):
        attendance_import.parse_upload(session.id, "x.xlsx", xlsx_file([["工资"], ["1"]]))
    with pytest.raises(FileRejected):
        attendance_import.parse_upload(session.id, "x.xlsx", b"garbage")


def test_the_import_kind_fits_its_column():
    """PostgreSQL refuses a longer PendingImport.kind (SQLite would not notice)."""
    from quiz.models import PendingImport
    assert len(attendance_import.KIND) <= PendingImport.__table__.c.kind.type.length


def test_an_attended_session_keeps_what_the_records_show(build):
    session, trainer = make_session(build)
    fields = SessionFields.of(session)
    fields.hours = 4  # nobody attended yet: still free to change
    assert services.update_session(session, fields, trainer, T0) == {"hours": [2.0, 4.0]}
    services.add_attendees(session, [build.user("attended")], "list", trainer, T0)
    db.session.commit()
    for name, value in (("hours", 1), ("title", "另一个主题"), ("starts_at", T0 - timedelta(hours=1)),
                        ("ends_at", T0 + timedelta(hours=9)), ("place", "别处"), ("category", "安全生产")):
        fields = SessionFields.of(session)
        setattr(fields, name, value)
        with pytest.raises(ValidationFailed) as refused:
            services.update_session(session, fields, trainer, T0)
        assert refused.value.extra["field"] == name and "培训档案" in str(refused.value)
        db.session.rollback()
        assert float(session.hours) == 4 and session.title == "消防安全培训"
    fields = SessionFields.of(session)
    fields.content = "灭火器使用；补充：疏散路线"  # the description is not in the record
    assert services.update_session(session, fields, trainer, T0) == {"content": ["灭火器使用", "灭火器使用；补充：疏散路线"]}


def test_an_untouched_time_on_the_form_keeps_its_seconds(build):
    session, trainer = make_session(build, start=T0.replace(second=17))
    services.add_attendees(session, [build.user("attended")], "list", trainer, T0)
    fields = SessionFields.of(session)
    fields.starts_at = session.starts_at.replace(second=0)  # what a datetime-local field sends back
    fields.content = "改了说明"
    assert set(services.update_session(session, fields, trainer, T0)) == {"content"}
    assert session.starts_at.second == 17
