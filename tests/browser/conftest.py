"""Browser tests: real headless Chromium (Debian's package) driven by pytest-playwright.

Never `playwright install`: the browser is /usr/bin/chromium (make test installs it).
The app is served from a thread on 127.0.0.1; any request that leaves it fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import PASSWORD, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (make test installs Debian's chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def page(context, live_url):
    """A page that fails on any request leaving the app under test (intranet: no CDN)."""
    page = context.new_page()
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_url) or url.startswith("data:") or url.startswith("blob:"):
            return route.continue_()
        outside.append(url)
        return route.abort()

    page.route("**/*", guard)
    page.set_default_timeout(10_000)
    yield page
    assert outside == [], f"requests left the app: {outside}"


@pytest.fixture
def mobile_page(browser, live_url):
    """A phone-sized page (375x740, touch)."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def browser_login(live_url):
    def login(page, user, password: str = PASSWORD):
        page.goto(f"{live_url}/login")
        page.fill("#username", user.username)
        page.fill("#password", password)
        page.click("#submit")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return login


@pytest.fixture
def screenshot():
    """screenshot(page, name) -> path under test-artifacts/ (to look at by hand)."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def app_config(app_config):
    """Browser tests run with CSRF protection on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}
