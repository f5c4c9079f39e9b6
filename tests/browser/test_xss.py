"""User-supplied text is inert on every page that shows it (real Chromium).

Every text field of an uploaded question file, a unit's name, people's names and a quiz's
title carry markup.  On each page we check that no element was created from it (the
escaping itself, not only the Content-Security-Policy that would also block it), that no
dialog opened, and that the text shows literally.
"""

from __future__ import annotations

import io

import pytest

from quiz.extensions import db
from quiz.models import Attempt, Question
from quiz.services import accounts
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec


pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x class=xss onerror="__xss=2">'
PAYLOAD = SCRIPT + IMG  # people's names are cut to their 64-character limit below


def upload_questions(client, token: str) -> None:
    header = "题型,题干,选项A,选项B,选项C,选项D,答案,解析,分类,难度,分值,出处\n"
    rows = []
    for n in range(4):
        text = f"{PAYLOAD}{n}"
        rows.append(",".join([
            "单选", f'"题{text}？"', f'"甲{text}"', f'"乙{text}"', f'"丙{text}"', f'"丁{text}"', "B",
            f'"解析{text}"', f'"分类{PAYLOAD}"', "1", "5", f'"出处{text}"',
        ]))
    data = (header + "\n".join(rows) + "\n").encode("utf-8")
    response = client.post("/api/v1/questions/import", headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO(data), "xss.csv")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.json


def assert_inert(page, url: str, must_show: str | None = PAYLOAD) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    created = page.evaluate(
        "() => ({xss: window.__xss || null,"
        " imgs: document.querySelectorAll('img.xss, img[src=\"x\"]').length,"
        " scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length})"
    )
    assert created == {"xss": None, "imgs": 0, "scripts": 0}, (url, created)
    if must_show:
        assert must_show in page.inner_text("body"), url


def test_markup_in_user_text_is_inert_everywhere(page, live_url, app, build, browser_login):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    unit = build.unit(f"单位{PAYLOAD}", "局属单位", 5)
    employee = build.user("xss_employee", unit=unit, display_name=f"张{PAYLOAD}"[:64])
    trainer = build.user("xss_trainer", role="trainer", unit=unit, display_name=f"王{PAYLOAD}"[:64])
    admin = build.user("xss_admin", role="admin", unit=unit, display_name=f"管{PAYLOAD}"[:64])
    token, _ = accounts.issue_token(trainer, now_utc(), 3600)
    db.session.commit()
    upload_questions(app.test_client(), token)
    quiz = build.quiz([RuleSpec(count=4, type="single", points=5)], title=f"竞赛{PAYLOAD}",
                      description=f"说明{PAYLOAD}", pass_score=0)
    quiz_id = quiz.id
    question_id = db.session.scalar(db.select(Question.id))

    # the employee takes the quiz and looks around
    browser_login(page, employee)
    assert_inert(page, f"{live_url}/")
    assert_inert(page, f"{live_url}/quizzes/{quiz_id}")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    assert_inert(page, page.url)
    page.locator(".question-card").first.locator("label").first.click()
    page.wait_for_selector("#save-status.ok")
    page.get_by_role("button", name="交卷").click()
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url("**/result")
    assert_inert(page, page.url)                      # explanations, sources, options
    assert_inert(page, f"{live_url}/history")
    assert_inert(page, f"{live_url}/boards/quizzes/{quiz_id}/")
    assert_inert(page, f"{live_url}/boards/quizzes/{quiz_id}/users")
    assert_inert(page, f"{live_url}/training/", must_show=None)
    assert_inert(page, f"{live_url}/training/notebook")
    page.context.clear_cookies()

    db.session.rollback()
    attempt_id = db.session.scalar(db.select(Attempt.id).where(Attempt.quiz_id == quiz_id))

    # the trainer reads the bank and the results
    browser_login(page, trainer)
    for path in ["/trainer/questions", f"/trainer/questions/{question_id}", "/trainer/quizzes",
                 f"/trainer/quizzes/{quiz_id}", f"/trainer/quizzes/{quiz_id}/results",
                 f"/trainer/attempts/{attempt_id}", f"/trainer/quizzes/{quiz_id}/analysis",
                 f"/boards/quizzes/{quiz_id}/summary"]:
        assert_inert(page, live_url + path)
    page.context.clear_cookies()

    # the admin manages units and people
    browser_login(page, admin)
    for path in ["/admin/users", "/admin/units", "/admin/audit"]:
        assert_inert(page, live_url + path, must_show=None)
    assert dialogs == []
