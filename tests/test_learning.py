"""学习资料: progress rules with an injected clock (heartbeats, video ranges), quiz-gated 学时
credited once, uploads checked by content and size, range requests, audience access."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from quiz.extensions import db
from quiz.learning import files, services
from quiz.learning.markdown import render_markdown
from quiz.learning.services import CourseFields, ItemFields
from quiz.models import AuditEntry, CourseCompletion, CourseFile, CourseItem

from helpers import ROOT, T0, take_quiz

VIDEO = (ROOT / "quiz" / "learning" / "demo_files" / "evacuation-drill.mp4").read_bytes()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def make_course(build, *, kinds=("article",), quiz=None, required=60, unit_ids=(), roles=(), published=True,
                hours=0.5, opens_at=None, closes_at=None):
    trainer = build.user(f"t{build._next()}", role="trainer")
    course = services.create_course(CourseFields("消防安全微课堂", "消防安全", hours, "", quiz.id if quiz else None,
                                                 list(unit_ids), list(roles), opens_at, closes_at), trainer, T0)
    for kind in kinds:
        upload = None
        if kind == "video":
            upload = files.store_upload(course, "video", io.BytesIO(VIDEO), "drill.mp4", trainer, T0)
        if kind == "pdf":
            upload = files.store_upload(course, "pdf", io.BytesIO(PDF), "rules.pdf", trainer, T0)
        services.add_item(course, ItemFields(kind, f"{kind} 内容", body="正文", case_events="经过",
                                             required_seconds=required), upload, trainer, T0)
    if published:
        services.set_published(course, True, trainer, T0)
    db.session.commit()
    return course


def item_of(course, kind):
    return next(i for i in course.items if i.kind == kind)


# ---------------------------------------------------------------- reading heartbeats


def test_heartbeats_credit_elapsed_time_capped_per_beat(build):
    course = make_course(build, required=60)
    user, item = build.user(), course.items[0]
    row = services.record_heartbeat(user, item, T0, resume=True)
    assert row.seconds_spent == 0  # the first beat only starts the clock
    row = services.record_heartbeat(user, item, T0 + seconds(15))
    assert row.seconds_spent == 15
    row = services.record_heartbeat(user, item, T0 + seconds(55))  # 40 s later: at most 2 × 15
    assert row.seconds_spent == 45
    row = services.record_heartbeat(user, item, T0 + seconds(55))  # a replayed beat: nothing
    assert row.seconds_spent == 45
    assert row.completed_at is None


def test_no_time_is_credited_while_the_page_is_hidden(build):
    course = make_course(build, required=60)
    user, item = build.user(), course.items[0]
    services.record_heartbeat(user, item, T0, resume=True)
    services.record_heartbeat(user, item, T0 + seconds(15))
    # hidden for ten minutes: no beats; then shown again
    row = services.record_heartbeat(user, item, T0 + seconds(615))
    assert row.seconds_spent == 15
    row = services.record_heartbeat(user, item, T0 + seconds(616), resume=True)
    assert row.seconds_spent == 15


def test_reading_time_is_capped_at_a_multiple_of_the_required_time(build):
    course = make_course(build, required=20)
    user, item = build.user(), course.items[0]
    now = T0
    services.record_heartbeat(user, item, now, resume=True)
    for _ in range(20):
        now += seconds(15)
        row = services.record_heartbeat(user, item, now)
    assert row.seconds_spent == 3 * 20
    assert row.completed_at == T0 + seconds(30)  # 20 s required, reached at the second beat


# ---------------------------------------------------------------- video


def test_video_duration_is_read_from_the_file(build):
    course = make_course(build, kinds=("video",))
    assert item_of(course, "video").duration_seconds == pytest.approx(4.0)


def test_a_seek_to_the_end_credits_nothing(build):
    course = make_course(build, kinds=("video",))
    user, item = build.user(), item_of(course, "video")
    services.record_video_report(user, item, [], 0, T0)
    # jumped to 3.8 s right away and the player says it played to the end
    row = services.record_video_report(user, item, [[3.8, 4.0]], 4.0, T0 + seconds(0.3))
    assert row.watched_seconds == pytest.approx(0.2)
    # a forged report claiming the whole video after one second gets at most that second (+1 s slack)
    row = services.record_video_report(user, item, [[0, 4.0]], 4.0, T0 + seconds(1.3))
    assert row.watched_seconds <= 0.2 + 2.0 + 1e-6
    assert row.completed_at is None


def test_a_first_report_claiming_everything_credits_nothing(build):
    course = make_course(build, kinds=("video",))
    user, item = build.user(), item_of(course, "video")
    row = services.record_video_report(user, item, [[0, 4.0]], 4.0, T0)
    assert row.watched_seconds == 0


def test_video_watched_in_real_time_completes_the_item(build):
    course = make_course(build, kinds=("video",))
    user, item = build.user(), item_of(course, "video")
    services.record_video_report(user, item, [], 0, T0)
    for second in (1, 2, 3):
        row = services.record_video_report(user, item, [[0, second]], second, T0 + seconds(second))
        assert row.completed_at is None
    row = services.record_video_report(user, item, [[0, 3.7]], 3.7, T0 + seconds(3.7))
    assert row.watched_seconds == pytest.approx(3.7)
    assert row.completed_at == T0 + seconds(3.7)  # 90 % of 4 s
    # the course (one video, no quiz) is credited
    assert services.completion_of(user.id, course.id).hours == 0.5


def test_a_report_credits_at_most_the_wall_time_since_the_last(build):
    course = make_course(build, kinds=("video",))
    user, item = build.user(), item_of(course, "video")
    services.record_video_report(user, item, [], 0, T0)
    row = services.record_video_report(user, item, [[0, 4.0]], 2.0, T0 + seconds(1))
    assert row.watched_seconds == pytest.approx(2.0)  # 1 s + 1 s slack, ending at the position
    assert row.watched_ranges == [[0.0, 2.0]]


def test_range_helpers():
    assert services.merge_ranges([[3, 4], [0, 1], [0.5, 2]]) == [[0, 2], [3, 4]]
    assert services.subtract_ranges([[0, 10]], [[2, 3], [5, 6]]) == [[0, 2], [3, 5], [6, 10]]


# ---------------------------------------------------------------- credit


def read(user, item, start, beats):
    services.record_heartbeat(user, item, start, resume=True)
    for n in range(1, beats + 1):
        services.record_heartbeat(user, item, start + seconds(15 * n))
    db.session.commit()


def test_hours_wait_for_the_linked_quiz_and_are_credited_once(build):
    quiz = build.quiz(pass_score=10, max_attempts=None, max_attempts_per_day=None, now=T0)
    course = make_course(build, quiz=quiz, required=30, hours=1.5)
    user = build.user()
    read(user, course.items[0], T0, 2)
    assert services.completion_of(user.id, course.id) is None  # the quiz is not passed yet
    take_quiz(user, quiz, T0 + timedelta(minutes=5), right=False)
    assert services.completion_of(user.id, course.id) is None  # failed
    attempt = take_quiz(user, quiz, T0 + timedelta(minutes=10))
    completion = services.completion_of(user.id, course.id)
    assert completion is not None and completion.hours == 1.5 and completion.attempt_id == attempt.id
    assert completion.year == 2026
    # more study, another pass, a change of the course's hours: still one row with its hours
    read(user, course.items[0], T0 + timedelta(minutes=20), 2)
    take_quiz(user, quiz, T0 + timedelta(minutes=30))
    services.update_course(course, CourseFields.of(course).__class__(**{**CourseFields.of(course).__dict__, "hours": 3}),
                           build.user(role="trainer"), T0)
    assert services.credit_if_complete(user, course, T0 + timedelta(hours=1)).id == completion.id
    db.session.commit()
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1
    assert services.completion_of(user.id, course.id).hours == 1.5
    assert services.hours_in_year(user.id, 2026) == 1.5
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "course.credit")) == 1


def test_quiz_passed_before_the_reading_credits_when_the_last_item_completes(build):
    quiz = build.quiz(pass_score=10, max_attempts=None, max_attempts_per_day=None, now=T0)
    course = make_course(build, quiz=quiz, kinds=("article", "case"), required=15)
    user = build.user()
    take_quiz(user, quiz, T0)
    read(user, item_of(course, "article"), T0, 1)
    assert services.completion_of(user.id, course.id) is None
    read(user, item_of(course, "case"), T0 + timedelta(minutes=2), 1)
    assert services.completion_of(user.id, course.id) is not None


# ---------------------------------------------------------------- audience and access


def test_audience_units_include_sub_units_and_roles(build, client, web_login):
    parent = build.unit("文旅局")
    child = build.unit("图书馆")
    child.parent_id = parent.id
    other = build.unit("博物馆")
    db.session.commit()
    course = make_course(build, unit_ids=[parent.id], roles=["employee"])
    inside, outside = build.user(unit=child), build.user(unit=other)
    manager = build.user(unit=parent, role="manager")
    assert services.in_audience(course, inside) and not services.in_audience(course, outside)
    assert not services.in_audience(course, manager)  # role not listed

    web_login(outside)
    assert client.get(f"/learning/courses/{course.id}").status_code == 403
    item = course.items[0]
    assert client.get(f"/learning/courses/{course.id}/items/{item.id}").status_code == 403
    assert client.post(f"/api/v1/course-items/{item.id}/heartbeat", json={}).status_code == 403
    assert client.get("/api/v1/courses").json["courses"] == []
    page = client.get("/learning/")
    assert "目前没有面向您的课程" in page.get_data(as_text=True)


def test_unpublished_and_closed_courses(build, client, web_login):
    draft = make_course(build, published=False)
    closed = make_course(build, closes_at=T0)
    web_login(build.user())
    assert client.get(f"/learning/courses/{draft.id}").status_code == 404
    assert client.get(f"/learning/courses/{closed.id}").status_code == 403
    assert client.get("/learning/courses/999999").status_code == 404


def test_files_are_served_only_to_the_audience_with_ranges(build, client, web_login):
    unit, other = build.unit(), build.unit()
    course = make_course(build, kinds=("video", "pdf"), unit_ids=[unit.id])
    video, pdf = item_of(course, "video"), item_of(course, "pdf")
    web_login(build.user(unit=other))
    assert client.get(f"/learning/files/{video.file_id}").status_code == 403
    client.post("/logout")
    web_login(build.user(unit=unit))
    whole = client.get(f"/learning/files/{video.file_id}")
    assert whole.status_code == 200 and whole.data == VIDEO and whole.mimetype == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"
    whole.close()
    part = client.get(f"/learning/files/{video.file_id}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert part.data == VIDEO[100:200]
    part.close()
    shown = client.get(f"/learning/files/{pdf.file_id}")
    assert shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    shown.close()
    page = client.get(f"/learning/courses/{course.id}/items/{pdf.id}").get_data(as_text=True)
    assert f'src="/learning/files/{pdf.file_id}"' in page and "<iframe" in page


def test_progress_through_the_api(build, client, web_login):
    course = make_course(build, required=30)
    user = build.user()
    web_login(user)
    item = course.items[0]
    first = client.post(f"/api/v1/course-items/{item.id}/heartbeat", json={"resume": True})
    assert first.status_code == 200 and first.json["seconds_spent"] == 0
    listing = client.get("/api/v1/courses").json
    assert listing["hours_this_year"] == 0
    entry = listing["courses"][0]
    assert entry["id"] == course.id and entry["hours"] == 0.5 and entry["items"][0]["kind"] == "article"
    assert entry["percent"] == 0 and entry["quiz_passed"] is None
    bad = client.post(f"/api/v1/course-items/{item.id}/video-progress", json={"played": [[0, 1]]})
    assert bad.status_code == 422


# ---------------------------------------------------------------- uploads


@pytest.fixture
def course_draft(build):
    return make_course(build, kinds=(), published=False)


def _upload(client, course, kind, data, name):
    # the body is encoded here: werkzeug's test client would spool a large one to a temporary
    # file that it never closes
    boundary, body = encode_multipart({"title": "文件", "required_seconds": "60",
                                       "file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(f"/learning/manage/{course.id}/items/new/{kind}", input_stream=io.BytesIO(body),
                       content_length=len(body), content_type=f"multipart/form-data; boundary={boundary}")


def _stored_files(app):
    folder = files.Path(app.instance_path) / "learning"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_upload_refuses_wrong_magic_bytes(app, client, trainer, course_draft):
    before = _stored_files(app)
    response = _upload(client, course_draft, "pdf", b"<html>not a pdf</html>", "rules.pdf")
    assert response.status_code == 422
    assert "这不是 PDF 文件" in response.get_data(as_text=True)
    response = _upload(client, course_draft, "video", PDF, "drill.mp4")
    assert response.status_code == 422 and "这不是 MP4 视频" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0
    assert db.session.scalar(select(func.count(CourseItem.id))) == 0
    assert _stored_files(app) == before


def test_upload_refuses_a_file_that_is_too_large(app, client, trainer, course_draft):
    app.config["LEARNING_MAX_PDF_BYTES"] = 1024
    before = _stored_files(app)
    response = _upload(client, course_draft, "pdf", PDF + b"0" * 2000, "rules.pdf")
    assert response.status_code == 422
    assert "PDF 文档太大" in response.get_data(as_text=True) and "上限 1 KB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0
    assert _stored_files(app) == before


def test_upload_beyond_the_request_limit_is_refused_in_chinese(app, client, trainer, course_draft):
    app.config["LEARNING_MAX_PDF_BYTES"] = 1024
    app.config["LEARNING_MAX_VIDEO_BYTES"] = 1024
    response = _upload(client, course_draft, "pdf", PDF + b"0" * (3 * 1024 * 1024), "rules.pdf")
    assert response.status_code == 413
    assert "上传的文件太大（上限 1 MB）" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CourseFile.id))) == 0


def test_video_upload_above_the_default_limit_is_accepted(app, client, trainer, course_draft):
    """A video larger than MAX_CONTENT_LENGTH (6 MB) reaches the view: its own limit applies."""
    padded = VIDEO + b"\0" * (7 * 1024 * 1024)  # trailing bytes after the boxes
    response = _upload(client, course_draft, "video", padded, "drill.mp4")
    assert response.status_code == 302, response.get_data(as_text=True)
    row = db.session.scalar(select(CourseFile))
    assert row.mime_type == "video/mp4" and row.size_bytes == len(padded) and row.duration_seconds == pytest.approx(4)
    assert (files.Path(app.instance_path) / "learning" / row.stored_name).stat().st_mode & 0o777 == 0o600


def test_trainer_builds_and_publishes_a_course(client, trainer, build):
    quiz = build.quiz()
    response = client.post("/learning/manage/new", data={"title": "有限空间作业安全", "category": "事故案例",
                                                          "hours": "0.5", "quiz_id": str(quiz.id)})
    assert response.status_code == 302
    course_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    bad = client.post("/learning/manage/new", data={"title": "x", "hours": "0"})
    assert bad.status_code == 422 and "学时应大于 0" in bad.get_data(as_text=True)
    assert client.post(f"/learning/manage/{course_id}/publish", data={"publish": "1"}).status_code == 302
    page = client.get(f"/learning/manage/{course_id}").get_data(as_text=True)
    assert "课程还没有学习内容" in page
    for kind, data in (("article", {"title": "正文", "body": "# 标题\n\n正文", "required_seconds": "30"}),
                       ("case", {"title": "案例", "case_events": "经过", "case_causes": "原因", "required_seconds": "30"})):
        assert client.post(f"/learning/manage/{course_id}/items/new/{kind}", data=data).status_code == 302
    client.post(f"/learning/manage/{course_id}/publish", data={"publish": "1"})
    course = services.Course.query if False else db.session.get(services.Course, course_id)
    assert course.is_published and [i.kind for i in course.items] == ["article", "case"]
    client.post(f"/learning/manage/{course_id}/items/{course.items[1].id}/up")
    db.session.expire_all()
    assert [i.kind for i in db.session.get(services.Course, course_id).items] == ["case", "article"]


def test_markdown_is_sanitised_and_images_come_only_from_the_app():
    html = str(render_markdown("![a](/learning/files/3) ![b](http://outside/x.png) <script>alert(1)</script>"
                               " [x](javascript:alert(1)) [y](https://example.org)"))
    assert '<img src="/learning/files/3"' in html
    assert "outside" not in html and "<script>" not in html and 'href="javascript' not in html
    assert 'rel="noopener noreferrer"' in html
