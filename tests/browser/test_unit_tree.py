"""An admin in real Chromium imports a small unit tree, sees it indented, moves a unit (desktop and phone)."""

from __future__ import annotations

import openpyxl
import pytest

from quiz.extensions import db
from quiz.models import Unit
from quiz.org.tree import load_tree

pytestmark = pytest.mark.browser

ROWS = [["单位", "上级单位", "类型", "编制人数"], ["借阅部", "区图书馆", "科室", 12], ["区图书馆", "区文旅局", "局属单位", 35],
        ["区文旅局", "区安委会", "局", 20], ["区安委会", "", "区", ""], ["区应急管理局", "区安委会", "局", 40]]


def test_import_tree_see_it_indented_and_move_a_unit(page, mobile_page, live_url, build, browser_login, screenshot,
                                                      tmp_path):
    admin = build.user("admin", role="admin", display_name="管理员")
    browser_login(page, admin)
    path = tmp_path / "单位树.xlsx"
    workbook = openpyxl.Workbook()
    for row in ROWS:
        workbook.active.append(row)
    workbook.save(path)

    page.goto(f"{live_url}/admin/units")
    page.get_by_role("link", name="导入单位树").click()
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_url("**/admin/units/import/*")
    assert "新增 5" in page.inner_text("body")
    screenshot(page, "unit-import-preview")
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url("**/admin/units")
    assert "导入完成：新增 5 个单位" in page.inner_text("body")

    rows = page.locator("table.unit-tree tbody tr")
    names = [rows.nth(i).locator(".fw-semibold").inner_text() for i in range(rows.count())]
    assert names == ["区安委会", "区应急管理局", "区文旅局", "区图书馆", "借阅部"]  # siblings by name (code point)
    depths = [rows.nth(i).get_attribute("data-depth") for i in range(rows.count())]
    assert depths == ["0", "1", "1", "2", "3"]
    indent = [rows.nth(i).locator("td").first.bounding_box()["x"] +
              float(rows.nth(i).locator("td").first.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)"))
              for i in (0, 4)]
    assert indent[1] > indent[0] + 30  # 借阅部 is visibly indented under 区安委会
    screenshot(page, "unit-tree-desktop")

    page.locator("tr", has_text="区图书馆").filter(has_not_text="借阅部").first.get_by_role("link", name="编辑").click()
    options = page.locator("#parent_id option").all_inner_texts()
    assert not any("借阅部" in option for option in options)  # its own descendant is not offered
    page.select_option("#parent_id", label="区安委会 / 区应急管理局")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/admin/units")
    assert "已保存单位信息" in page.inner_text("body")
    db.session.rollback()  # see what the server committed
    desk = db.session.scalar(db.select(Unit).where(Unit.name == "借阅部"))
    assert load_tree().path(desk.id) == "区安委会 / 区应急管理局 / 区图书馆 / 借阅部"
    assert "区安委会 / 区应急管理局 / 区图书馆 / 借阅部" in page.inner_text("table.unit-tree")  # desktop shows paths

    browser_login(mobile_page, admin)
    mobile_page.goto(f"{live_url}/admin/units")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width  # the table scrolls inside its region, not the page
    screenshot(mobile_page, "unit-tree-375")
    mobile_page.goto(f"{live_url}/admin/units/{desk.id}/edit")
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(mobile_page, "unit-form-375")
