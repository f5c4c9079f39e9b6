"""A trainer in real Chromium brings a bank exported from another exam system: the importer cannot
tell its columns, so she maps them (and the type codes), sees the preview, downloads the rows with
problems and chooses to import the rest.  Then the same pages on a phone."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.models import ImportMapping, Question

from import_helpers import OTHER_MAPPING, other_system_rows

pytestmark = pytest.mark.browser

TYPE_LABELS = {"1": "单选", "2": "多选", "3": "判断", "4": "跳过（不导入）"}


def write_xlsx(path, rows) -> None:
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    workbook.save(path)


def choose_field(page, header: str, label: str) -> None:
    page.locator("tr.mapping-column", has=page.get_by_text(header, exact=True)).locator("select").select_option(label=label)


def test_map_an_unknown_layout_preview_download_problems_and_import_the_rest(page, live_url, build, browser_login,
                                                                             screenshot, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 900})
    trainer = build.user("trainer", role="trainer", display_name="王培训")
    browser_login(page, trainer)
    page.get_by_role("link", name="题库管理").click()
    page.get_by_role("link", name="批量导入").first.click()
    exported = tmp_path / "考试系统导出.xlsx"
    write_xlsx(exported, other_system_rows())
    screenshot(page, "trainer-import-upload")
    page.set_input_files("input[type=file]", str(exported))
    page.get_by_role("button", name="上传并预览").click()

    page.wait_for_url("**/mapping")
    needed = page.locator("#mapping-needed")
    assert "找到的表头：编号、题目类别、内容" in needed.inner_text() and "还需要：题干、答案" in needed.inner_text()
    screenshot(page, "trainer-import-mapping-columns")
    labels = {"题型": "题型（单选/多选/判断；没有此列时按选项和答案推断）", "答案": "答案（没有此列时可用各选项的“是否正确”列）"}
    for header, field in OTHER_MAPPING.items():
        choose_field(page, header, labels.get(field, field))
    page.locator("#apply-mapping").click()

    page.wait_for_url("**/mapping")
    expect(page.locator("#mapping-needed")).to_contain_text("题型列中有无法识别的取值：1、2、3、4")
    for value, label in TYPE_LABELS.items():
        page.locator("tr.mapping-type", has=page.get_by_text(value, exact=True)).locator("select").select_option(label=label)
    screenshot(page, "trainer-import-mapping-types")
    page.locator("#apply-mapping").click()

    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1] not in ("mapping", "new"))
    expect(page.locator("#count-new")).to_have_text("新题 3")
    assert "错误 1 处（1 行）" in page.locator("#count-errors").inner_text()
    assert "答案中的F不在本题的选项中" in page.locator("#import-errors").inner_text()
    assert "跳过 1 道平台不支持的题" in page.locator("#import-warnings").inner_text()
    assert page.locator("#confirm-import").count() == 0
    screenshot(page, "trainer-import-partial-preview")

    with page.expect_download() as download_info:
        page.locator("#download-problems").click()
    download = download_info.value
    assert download.suggested_filename == "考试系统导出-有问题的行.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][-1] == "错误原因" and table[1][2] == "发生触电时首先应当怎么做？" and "F" in table[1][-1]

    page.get_by_role("button", name="跳过有问题的 1 行，导入其余 3 题").click()
    page.wait_for_url("**/trainer/questions")
    assert "导入完成：新增 3 题" in page.content() and "跳过有问题的 1 行" in page.content()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 3
    assert db.session.scalar(db.select(db.func.count(ImportMapping.id))) == 1

    # the next file of the same system goes straight to the preview
    page.get_by_role("link", name="批量导入").first.click()
    write_xlsx(exported, other_system_rows("第二批："))
    page.set_input_files("input[type=file]", str(exported))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#mapping-note")).to_contain_text("已自动使用为这种表头记住的列映射")
    expect(page.locator("#count-new")).to_have_text("新题 3")


def test_import_pages_on_a_phone(mobile_page, live_url, build, browser_login, screenshot, tmp_path):
    page = mobile_page
    trainer = build.user("trainer", role="trainer")
    browser_login(page, trainer)
    page.goto(f"{live_url}/trainer/imports/new")
    screenshot(page, "trainer-import-upload-mobile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376

    exported = tmp_path / "考试系统导出.xlsx"
    write_xlsx(exported, other_system_rows())
    page.set_input_files("input[type=file]", str(exported))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url("**/mapping")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376  # no sideways scrolling of the page
    screenshot(page, "trainer-import-mapping-mobile")

    page.goto(f"{live_url}/trainer/imports/new")
    page.fill("textarea", "1. 发现火情首先应当怎么做？（ ）\nA. 报警\nB. 拍照\n答案：A\n\n2. 坏题？\nA. 甲\nB. 乙\n答案：F\n")
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#count-new")).to_have_text("新题 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    screenshot(page, "trainer-import-preview-mobile")
