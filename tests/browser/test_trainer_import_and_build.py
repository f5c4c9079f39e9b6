"""A trainer in real Chromium: uploads an .xlsx with mistakes, sees the errors, fixes the file,
confirms the import, builds a quiz from the new questions and publishes it."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import expect

from question_bank import TEMPLATE_HEADERS
from quiz.extensions import db
from quiz.models import Question, Quiz

pytestmark = pytest.mark.browser


def write_xlsx(path, rows) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(TEMPLATE_HEADERS)
    for values in rows:
        workbook.active.append([values.get(name, "") for name in TEMPLATE_HEADERS])
    workbook.save(path)


def questions(answer_of_row_3: str) -> list[dict]:
    rows = [
        {"题型": "单选", "题干": f"剧院演出中发生火情，第{n}步应当怎么做？", "选项A": "立即报警并疏散观众", "选项B": "继续演出",
         "选项C": "关闭安全出口", "答案": "A", "分类": "剧场安全", "分值": "2"}
        for n in range(1, 5)
    ]
    rows[1]["答案"] = answer_of_row_3  # spreadsheet row 3
    rows.append({"题型": "判断", "题干": "剧场安全出口可以临时上锁。", "答案": "错", "分类": "剧场安全"})
    return rows


def test_upload_fix_confirm_build_and_publish(page, live_url, build, browser_login, screenshot, tmp_path):
    trainer = build.user("trainer", role="trainer", display_name="王培训")
    browser_login(page, trainer)

    page.get_by_role("link", name="题库管理").click()
    page.get_by_role("link", name="批量导入").first.click()
    broken = tmp_path / "剧场安全题库.xlsx"
    write_xlsx(broken, questions(answer_of_row_3="E"))
    page.set_input_files("input[type=file]", str(broken))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url("**/trainer/imports/*")
    errors = page.locator("#import-errors")
    assert errors.is_visible()
    assert "答案中的E不在本题的选项中" in errors.inner_text()
    first_error = page.locator("tr.import-error").first.locator("td")
    assert first_error.nth(0).inner_text() == "3" and first_error.nth(1).inner_text() == "答案"
    assert page.locator("#confirm-import").count() == 0
    screenshot(page, "trainer-import-errors")

    page.get_by_role("link", name="重新上传修改后的文件").click()
    fixed = tmp_path / "剧场安全题库-修改.xlsx"
    write_xlsx(fixed, questions(answer_of_row_3="Ａ"))  # full-width letter is fine
    page.set_input_files("input[type=file]", str(fixed))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url("**/trainer/imports/*")
    assert "新题 5" in page.locator("#count-new").inner_text()
    assert page.locator("tr.row-new").count() == 5
    screenshot(page, "trainer-import-preview")
    page.locator("#confirm-import").click()
    page.wait_for_url("**/trainer/questions")
    assert "导入完成：新增 5 题" in page.content()

    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 5

    page.get_by_role("link", name="测验管理").first.click()
    page.get_by_role("link", name="新建测验").click()
    page.fill("#title", "剧场安全专项测验")
    page.fill("#time_limit_minutes", "15")
    page.fill("#pass_score", "6")
    row = page.locator("tr.rule-row").first
    row.locator("select[name$='-category_id']").select_option(label="剧场安全")
    row.locator("select[name$='-type']").select_option("single")
    row.locator("input[name$='-count']").fill("4")
    row.locator("input[name$='-points']").fill("2")
    page.get_by_role("button", name="添加一条规则").click()
    second = page.locator("tr.rule-row").nth(3)
    second.locator("select[name$='-type']").select_option("true_false")
    second.locator("input[name$='-count']").fill("1")
    second.locator("input[name$='-points']").fill("2")
    expect(page.locator("#total-questions")).to_have_text("5")  # live totals (CSP forbids eval in waits)
    assert page.locator("#total-score").inner_text() == "10"
    assert "题库可以满足" in page.locator("#rules-status").inner_text()

    second.locator("input[name$='-count']").fill("3")  # only one 判断 in the bank
    expect(page.locator("#total-questions")).to_have_text("7")
    assert "可用的只有 1 题" in page.locator("#rules-status").inner_text()
    second.locator("input[name$='-count']").fill("1")
    page.get_by_role("button", name="检查并预览抽题").click()
    expect(page.locator("ol.sample-list li")).to_have_count(5)  # the check is a form post: wait for it
    screenshot(page, "trainer-quiz-builder")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/trainer/quizzes/*")
    assert page.locator("#quiz-state").inner_text() == "草稿"
    page.locator("#publish").click()
    expect(page.locator("#quiz-state")).to_have_text("已发布")
    screenshot(page, "trainer-quiz-published")

    db.session.rollback()
    quiz = db.session.scalars(db.select(Quiz)).one()
    assert quiz.is_published and quiz.question_count == 5 and quiz.pass_score == 6


def test_trainer_pages_on_a_phone(mobile_page, live_url, build, browser_login, screenshot):
    trainer = build.user("trainer", role="trainer")
    build.questions(3, type="single")
    browser_login(mobile_page, trainer)
    mobile_page.goto(f"{live_url}/trainer/questions")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1  # no sideways scrolling of the page itself
    screenshot(mobile_page, "trainer-questions-mobile")
