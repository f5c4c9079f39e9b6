"""学习资料 in real Chromium: an employee reads an article (a short required time), watches the
4-second test video at normal speed, passes the linked quiz and finds the 学时 credited, then
finds them in 我的培训档案 (the 个人培训档案); the pages at 375 px and at desktop width."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.learning import files, services
from quiz.learning.demo import DEMO_VIDEO
from quiz.learning.services import CourseFields, ItemFields
from quiz.records.requirements import install_default_requirements
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    # beats every second, so a 3-second article takes seconds, not minutes
    return {**app_config, "LEARNING_HEARTBEAT_SECONDS": 1}


def make_course(build):
    build.questions(1, type="true_false", category="消防安全")
    quiz = build.quiz([RuleSpec(count=1, type="true_false", points=10)], title="消防安全小测验", pass_score=10,
                      max_attempts=None)
    trainer = build.user("trainer", role="trainer")
    now = now_utc()
    course = services.create_course(CourseFields("消防安全微课堂", "消防安全", 0.5, "学完并通过测验记 0.5 学时。",
                                                 quiz.id), trainer, now)
    services.add_item(course, ItemFields("article", "火灾发生时怎么办",
                                         body="## 报警\n\n拨打 **119**。\n\n- 不乘电梯\n- 低姿前进",
                                         required_seconds=3), None, trainer, now)
    services.add_item(course, ItemFields("case", "典型事故案例：某商场火灾", case_events="仓库电气线路短路起火。",
                                         case_causes="私拉乱接", case_lessons="定期检查", case_rules="《消防法》第十六条",
                                         required_seconds=2), None, trainer, now)
    with DEMO_VIDEO.open("rb") as stream:
        video = files.store_upload(course, "video", io.BytesIO(stream.read()), "疏散演练.mp4", trainer, now)
    services.add_item(course, ItemFields("video", "疏散演练"), video, trainer, now)
    services.set_published(course, True, trainer, now)
    db.session.commit()
    return course, quiz


def wait_until(page, script: str, timeout_ms: int = 20_000):
    """Poll a script with page.evaluate (wait_for_function evals strings, which the CSP forbids)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


def wait_done(page):
    expect(page.locator("#item-progress-text")).to_contain_text("已完成", timeout=20_000)


def test_employee_studies_a_course_and_gets_the_hours(page, browser, live_url, build, browser_login, screenshot):
    course, quiz = make_course(build)
    install_default_requirements(now_utc())
    db.session.commit()
    user = build.user("zhangsan", display_name="张三")
    browser_login(page, user)
    page.get_by_role("link", name="学习", exact=True).click()
    page.wait_for_url("**/learning/")
    assert page.locator("#hours-this-year").inner_text() == "0"
    page.locator(".course-card").first.click()
    page.wait_for_url(f"**/learning/courses/{course.id}")

    # the article: credited only while the page is visible, by the server's heartbeats
    page.get_by_role("link", name="火灾发生时怎么办").click()
    assert page.locator("#article-body h2").inner_text() == "报警"
    wait_done(page)
    screenshot(page, "learning-article")
    page.locator("#next-item").click()
    page.wait_for_url(f"**/items/{course.items[1].id}")
    assert "事故经过" in page.locator("#case-body").inner_text()
    wait_done(page)
    page.locator("#next-item").click()
    page.wait_for_url(f"**/items/{course.items[2].id}")

    # the video, played at normal speed to the end
    video = page.locator("#course-video")
    assert page.evaluate("document.getElementById('course-video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')")
    wait_until(page, "() => document.getElementById('course-video').readyState >= 1")
    page.evaluate("() => { const v = document.getElementById('course-video'); v.muted = true; return v.play(); }")
    wait_until(page, "() => document.getElementById('course-video').ended")
    wait_done(page)
    assert video.is_visible()
    screenshot(page, "learning-video")
    page.locator("#back-to-course").click()
    page.wait_for_url(f"**/learning/courses/{course.id}")
    assert page.locator("#course-items .badge.text-bg-success").count() == 3
    assert "未通过" in page.locator("#course-quiz").inner_text()

    # the linked quiz, passed: the 学时 are credited
    page.locator("#course-quiz a").click()
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    page.locator(".question-card").first.locator("label").first.click()  # 正确
    page.wait_for_selector("#save-status.ok")
    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#submitModal.show")
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url("**/result")
    page.goto(f"{live_url}/learning/courses/{course.id}")
    expect(page.locator("#course-credited")).to_contain_text("0.5")
    screenshot(page, "learning-course-credited")
    page.goto(f"{live_url}/learning/")
    assert page.locator("#hours-this-year").inner_text() == "0.5"
    assert "消防安全微课堂" in page.locator("#completions").inner_text()
    screenshot(page, "learning-index")

    # 我的培训档案: the course with its 学时, the quiz with its result, the fire-safety requirement met
    page.locator("#my-record-link").click()
    page.wait_for_url("**/records/me")
    course_row = page.locator("#record-entries tr[data-kind=course]")
    expect(course_row).to_have_count(1)
    assert "消防安全微课堂" in course_row.inner_text() and course_row.locator(".entry-hours").inner_text() == "0.5"
    assert "合格" in page.locator("#record-entries tr[data-kind=quiz]").inner_text()
    assert page.locator("#record-total-hours").inner_text() == "0.5"
    assert page.locator(".requirement-status[data-met='1']").count() == 1
    screenshot(page, "record-me")
    response = page.request.get(live_url + page.locator("#record-pdf").get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF-")

    # the same pages on a phone
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    browser_login(mobile, user)
    for name, path in (("learning-index-375", "/learning/"),
                       ("learning-course-375", f"/learning/courses/{course.id}"),
                       ("learning-article-375", f"/learning/courses/{course.id}/items/{course.items[0].id}"),
                       ("learning-video-375", f"/learning/courses/{course.id}/items/{course.items[2].id}"),
                       ("record-me-375", "/records/me")):
        mobile.goto(live_url + path)
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide"
        screenshot(mobile, name)
    phone.close()


def test_trainer_pages(page, live_url, build, browser_login, screenshot):
    course, _quiz = make_course(build)
    trainer = build.user("trainer2", role="trainer")
    browser_login(page, trainer)
    page.get_by_role("link", name="课程管理").click()
    page.wait_for_url("**/learning/manage")
    page.get_by_role("link", name="消防安全微课堂").click()
    page.wait_for_url(f"**/learning/manage/{course.id}")
    expect(page.locator("#manage-items li")).to_have_count(3)  # waits for the page (count() would not)
    screenshot(page, "learning-manage-course")
    page.locator("#add-pdf").click()
    page.set_input_files("#file", files={"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"})
    page.fill("#title", "规定原文")
    page.locator("#item-save").click()
    expect(page.locator("#file-error")).to_contain_text("这不是 PDF 文件")
    screenshot(page, "learning-upload-refused")

    # a real PDF goes in, and is shown inside the item page
    page.set_input_files("#file", files={"name": "规定.pdf", "mimeType": "application/pdf", "buffer": small_pdf()})
    page.fill("#title", "规定原文")
    page.locator("#item-save").click()
    page.wait_for_url(f"**/learning/manage/{course.id}")
    assert "规定.pdf" in page.locator("#manage-items").inner_text()
    db.session.rollback()
    pdf_item = db.session.get(type(course), course.id).items[-1]
    page.goto(f"{live_url}/learning/courses/{course.id}/items/{pdf_item.id}")
    frame = page.locator("#pdf-frame")
    expect(frame).to_be_visible()
    response = page.request.get(live_url + frame.get_attribute("src"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    page.wait_for_timeout(1500)  # the viewer draws the page
    screenshot(page, "learning-pdf")


def small_pdf() -> bytes:
    from reportlab.pdfgen import canvas  # noqa: PLC0415  (only this test makes a PDF)

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.setFont("Helvetica", 24)
    sheet.drawString(72, 720, "Fire safety rules - sample PDF")
    sheet.save()
    return buffer.getvalue()
