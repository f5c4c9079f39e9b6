"""In real Chromium: the main navigation of a staff member (13 items) on a laptop and a tablet
keeps every label on one line, wrapping whole items onto a second row, and takes one click to a
management page; on a phone the items sit behind the menu button."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _label_lines(page) -> dict[str, int]:
    """Lines each visible navigation label takes (its height over its line height)."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#mainNav .nav-link')]
        .filter(link => link.offsetParent !== null)
        .map(link => {
            const style = getComputedStyle(link);
            const inner = link.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
            return [link.textContent.trim(), Math.round(inner / parseFloat(style.lineHeight))];
        }))""")


@pytest.mark.parametrize("width", [800, 1024, 1280])
def test_an_admins_navigation_labels_never_break(page, build, browser_login, screenshot, width):
    admin = build.user("daohang", role="admin")
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(page, admin)
    lines = _label_lines(page)
    assert len(lines) == 13 and "课程管理" in lines, lines
    assert set(lines.values()) == {1}, lines  # 首页 was 首/页 and 排行榜 three lines at 1280 px
    screenshot(page, f"navigation-admin-{width}")
    page.get_by_role("link", name="题库管理").click()
    expect(page.get_by_role("link", name="题库管理")).to_have_attribute("aria-current", "page")


def test_on_a_phone_the_items_wait_behind_the_menu_button(mobile_page, build, browser_login):
    admin = build.user("daohang2", role="admin")
    browser_login(mobile_page, admin)
    expect(mobile_page.get_by_role("link", name="题库管理")).to_be_hidden()
    mobile_page.get_by_role("button", name="展开菜单").click()
    expect(mobile_page.get_by_role("link", name="题库管理")).to_be_visible()
