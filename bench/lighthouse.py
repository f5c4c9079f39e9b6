"""Lighthouse's mobile profile over the login, home, quiz and result pages (`make lighthouse`).

Serves the production server (gunicorn, 2 sync workers) on loopback over a scratch SQLite
database with the demo data, signs a demo employee in with headless Chromium (Playwright),
answers and submits one demo quiz (the result page) and leaves an attempt of the other open
(the quiz page), then runs
Lighthouse (bench/lighthouse/node_modules, Debian's Chromium through CHROME_PATH) on each page
with its default mobile profile: simulated 150 ms round trips, 1.6 Mbit/s, 4x CPU slowdown.
Prints, per page: performance score, first contentful paint, time to interactive, bytes
transferred on first load and their breakdown by resource type.  Then taps an option on each
question of the open attempt in Chromium throttled the same way for real (DevTools: 150 ms
added latency, 1.6 Mbit/s down, 750 kbit/s up, 4x CPU slowdown) and prints the time from the
tap until the page shows the answer saved (target: within 1 s).

    .venv/bin/python bench/lighthouse.py            # after `npm ci --prefix bench/lighthouse`
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_attempts import VENV_BIN, Server  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
DEMO_PASSWORD = "Lantern-Ridge-58"
TARGETS = {"performance": 0.98, "fcp_ms": 1500, "bytes": 200_000, "save_ms": 1000}
#: Lighthouse's mobile profile, applied through the DevTools protocol for the tap-to-save run
SLOW_PHONE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
              "uploadThroughput": 750_000 / 8}


def prepare(workdir: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": "sqlite:///" + str(workdir / "lh.sqlite3"),
           "QUIZ_INSTANCE_PATH": str(workdir / "instance"), "FLASK_APP": "wsgi"}
    env.pop("REDIS_URL", None)
    for command in (["db", "upgrade", "heads"], ["seed-demo"]):
        subprocess.run([str(VENV_BIN / "flask"), *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env


def pages_of_an_employee(base: str) -> tuple[dict[str, str], str]:
    """Sign in as the demo employee; return the four page URLs and the session cookie header."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "zhangsan")
        page.fill("#password", DEMO_PASSWORD)
        page.click("#submit")
        page.wait_for_url(lambda url: "/login" not in url)
        home = page.url
        links = page.locator("a[href*='/quizzes/']").evaluate_all("els => els.map(e => e.href)")
        quiz_pages = list(dict.fromkeys(link for link in links if link.rstrip("/").split("/")[-1].isdigit()))
        # the result page: take the second quiz and submit it
        page.goto(quiz_pages[1])
        page.get_by_role("button", name="开始答题").click()
        page.wait_for_url("**/attempts/*")
        page.locator(".question-card").first.locator("label").first.click()
        page.wait_for_selector("#save-status.ok")
        page.get_by_role("button", name="交卷").click()
        page.get_by_role("button", name="确认交卷").click()
        page.wait_for_url("**/result")
        result = page.url
        # the quiz page: an attempt left open on the first quiz
        page.goto(quiz_pages[0])
        page.get_by_role("button", name="开始答题").click()
        page.wait_for_url("**/attempts/*")
        attempt = page.url
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        browser.close()
    return {"login": f"{base}/login", "home": home, "quiz": attempt, "result": result}, cookie


def tap_to_save(attempt_url: str, cookie: str) -> list[float]:
    """Milliseconds from tapping an option until the page shows 已保存, for each question."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        # the cookies of the whole site (a cookie added for the page's URL would have the page's path,
        # and the autosave's /api/v1/... requests would go without the session)
        origin = "{0.scheme}://{0.netloc}/".format(urlsplit(attempt_url))
        context.add_cookies([{"name": name, "value": value, "url": origin}
                             for name, value in (part.split("=", 1) for part in cookie.split("; "))])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_PHONE)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.goto(attempt_url)
        page.wait_for_load_state("load")
        page.locator("button[data-mode='list']").click()  # every question on the page
        timings = []
        cards = page.locator(".question-card")
        for index in range(cards.count()):
            option = cards.nth(index).locator("label").nth(index % 2)
            option.scroll_into_view_if_needed()
            # the page's own clock: from the tap to the moment #save-status turns ok
            page.evaluate("""() => { window.__saved = null;
                const status = document.querySelector('#save-status');
                new MutationObserver((_, observer) => {
                  if (status.classList.contains('ok')) { window.__saved = performance.now(); observer.disconnect(); }
                }).observe(status, {attributes: true, childList: true, subtree: true}); }""")
            page.evaluate("() => { window.__tapped = null; document.addEventListener('pointerdown', "
                          "() => { window.__tapped ??= performance.now(); }, {once: true, capture: true}); }")
            option.tap()
            page.wait_for_function("() => window.__saved !== null", timeout=15_000)
            timings.append(page.evaluate("() => window.__saved - window.__tapped"))
        browser.close()
    return timings


def lighthouse(url: str, cookie: str | None, out: Path) -> dict:
    command = [str(LIGHTHOUSE), url, "--quiet", "--only-categories=performance", "--output=json",
               f"--output-path={out}", "--chrome-flags=--headless=new --no-sandbox"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    audits = report["audits"]
    breakdown = {item["resourceType"]: item["transferSize"]
                 for item in audits["resource-summary"]["details"]["items"] if item["transferSize"]}
    return {
        "performance": report["categories"]["performance"]["score"],
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "tti_ms": audits["interactive"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        "breakdown": breakdown,
    }


def main() -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm ci --prefix bench/lighthouse")
    workdir = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    env = prepare(workdir)
    server = Server("wsgi:app", env, 2, workdir / "server.log")
    try:
        server.wait_ready("/login")
        base = f"http://127.0.0.1:{server.port}"
        urls, cookie = pages_of_an_employee(base)
        print(f"{'page':8} {'score':>6} {'FCP ms':>7} {'TTI ms':>7} {'KB':>6}  breakdown (KB)")
        failed = []
        for name, url in urls.items():
            figures = lighthouse(url, None if name == "login" else cookie, workdir / f"{name}.json")
            parts = ", ".join(f"{kind} {size / 1000:.1f}" for kind, size in sorted(
                figures["breakdown"].items(), key=lambda item: -item[1]) if kind != "total")
            print(f"{name:8} {figures['performance']:6.2f} {figures['fcp_ms']:7.0f} {figures['tti_ms']:7.0f} "
                  f"{figures['bytes'] / 1000:6.1f}  {parts}")
            if (figures["performance"] < TARGETS["performance"] or figures["fcp_ms"] > TARGETS["fcp_ms"]
                    or figures["bytes"] > TARGETS["bytes"]):
                failed.append(name)
        print("targets (score >= 0.98, FCP < 1.5 s, <= 200 KB):", "met" if not failed else "missed on " + ", ".join(failed))
        taps = sorted(tap_to_save(urls["quiz"], cookie))
        print(f"tap to 已保存 on the slow-phone profile, {len(taps)} questions: median {taps[len(taps) // 2]:.0f} ms, "
              f"max {taps[-1]:.0f} ms (target < {TARGETS['save_ms']} ms:",
              "met)" if taps[-1] < TARGETS["save_ms"] else "missed)")
        print(f"reports: {workdir}/*.json")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
