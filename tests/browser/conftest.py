"""Browser tests: real headless Chromium (Debian's package) driven by pytest-playwright.

Never `playwright install`: the browser is /usr/bin/chromium (make test installs it).
The app is served from a thread on 127.0.0.1; any request that leaves it fails the test.
"""

from __future__ import annotations

import json
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
        # chrome:// and chrome-extension:// are the browser's own (its PDF viewer), never the network
        if url.startswith((live_url, "data:", "blob:", "chrome://", "chrome-extension://")):
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


# ---------------------------------------------------------------- accessibility (axe-core)

#: axe-core from the npm registry (package.json / package-lock.json; `make test` runs npm ci)
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: impacts that fail a page (moderate and minor ones are reported only)
FAILING_IMPACTS = ("critical", "serious")


class AxeReport:
    """axe-core results per page view, written to test-artifacts/axe-report.{json,md}."""

    def __init__(self):
        self.pages: list[dict] = []

    def add(self, name: str, viewport: str, url: str, violations: list[dict]) -> dict:
        entry = {
            "page": name, "viewport": viewport, "url": url,
            "violations": [
                {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"]),
                 "targets": [", ".join(map(str, n["target"])) for n in v["nodes"][:5]],
                 "summary": (v["nodes"][0].get("failureSummary") or "")[:300] if v["nodes"] else ""}
                for v in violations
            ],
        }
        self.pages.append(entry)
        return entry

    def failing(self) -> list[tuple[dict, dict]]:
        return [(page, v) for page in self.pages for v in page["violations"] if v["impact"] in FAILING_IMPACTS]

    def write(self) -> None:
        if not self.pages:
            return
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "axe-report.json").write_text(json.dumps(self.pages, ensure_ascii=False, indent=1))
        lines = ["| page | viewport | critical | serious | moderate | minor | rules |", "|---|---|---|---|---|---|---|"]
        for page in self.pages:
            counts = {impact: sum(v["nodes"] for v in page["violations"] if v["impact"] == impact)
                      for impact in ("critical", "serious", "moderate", "minor")}
            rules = ", ".join(f"{v['id']} ({v['impact']}, {v['nodes']})" for v in page["violations"]) or "—"
            lines.append(f"| {page['page']} | {page['viewport']} | {counts['critical']} | {counts['serious']} | "
                         f"{counts['moderate']} | {counts['minor']} | {rules} |")
        (ARTIFACTS / "axe-report.md").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="session")
def axe_report():
    report = AxeReport()
    yield report
    report.write()


@pytest.fixture
def axe_check(axe_report):
    """axe_check(page, name) -> the page's entry: axe-core injected through the devtools protocol
    (the app's CSP rightly refuses script tags) and run on the page as it is now."""
    if not AXE_SOURCE.exists():
        pytest.skip(f"{AXE_SOURCE} is missing (make test installs axe-core with npm ci)")
    source = AXE_SOURCE.read_text()

    def check(page, name: str) -> dict:
        page.wait_for_load_state("load")
        page.wait_for_timeout(350)  # let fades and transitions (modals, drawers) finish
        cdp = page.context.new_cdp_session(page)
        try:
            cdp.send("Runtime.evaluate", {"expression": source})
        finally:
            cdp.detach()
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        size = page.viewport_size or {"width": 0, "height": 0}
        return axe_report.add(name, f"{size['width']}x{size['height']}", page.url, result["violations"])

    return check
