"""axe-core on every page the employee, trainer and admin flows visit, on a phone and a desktop.

The demo data (the built-in bank, units, accounts, the contest, the fire-safety quiz and the
level series) is seeded, and each flow is walked through the pages as a person would, with
forms filled wrongly where a page has errors to show.  Every page view is checked by
axe-core (injected through the devtools protocol: the CSP refuses script tags) and
reported in test-artifacts/axe-report.md; a critical or serious violation fails the test.
"""

from __future__ import annotations

import re

import pytest

from quiz.extensions import db
from quiz.models import LevelSeries, Quiz
from quiz.services.clock import now_utc
from quiz.services.demo import DEMO_PASSWORD, seed_demo

from helpers import FAST_HASH

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}

QUESTION_CSV = (
    "题型,题干,选项A,选项B,选项C,选项D,答案,解析,分类,难度,分值,出处\n"
    "单选,无障碍测试题：灭火器压力表指针在哪个区域表示正常？,红色区域,绿色区域,黄色区域,任意区域,B,绿色区域表示压力正常。,消防安全,1,2,《消防法》\n"
    "判断,无障碍测试题：发现火情应立即拨打119。,正确,错误,,,正确,及时报警。,消防安全,1,1,《消防法》\n"
)
BAD_CSV = (
    "题型,题干,选项A,选项B,选项C,选项D,答案,解析,分类,难度,分值,出处\n"
    "单选,答案超出选项的题,甲,乙,丙,丁,E,,消防安全,2,1,\n"
    "判断,判断题答案不对,正确,错误,,,不对,,消防安全,2,1,\n"
)


@pytest.fixture
def demo(app):
    seed_demo(now_utc(), hash_method=FAST_HASH)
    db.session.commit()
    contest = db.session.scalar(db.select(Quiz).where(Quiz.kind == "contest").order_by(Quiz.id))
    series = db.session.scalar(db.select(LevelSeries).order_by(LevelSeries.id))
    return {"contest_id": contest.id, "series_id": series.id}


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport_page(request, browser, live_url):
    context = browser.new_context(**VIEWPORTS[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_url) or url.startswith(("data:", "blob:")):
            return route.continue_()
        outside.append(url)
        return route.abort()

    page.route("**/*", guard)
    yield request.param, page
    context.close()
    assert outside == [], f"requests left the app: {outside}"


class Walk:
    """Visits pages and checks each with axe-core; remembers what failed."""

    def __init__(self, page, base: str, axe_check, viewport: str):
        self.page, self.base, self.axe_check, self.viewport = page, base, axe_check, viewport
        self.failures: list[str] = []

    def check(self, name: str) -> None:
        entry = self.axe_check(self.page, f"{name}")
        if self.viewport == "phone" and name != "big-screen":
            width = self.page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                self.failures.append(f"{name} [phone]: the page is {width} px wide, wider than the 375 px screen")
        for violation in entry["violations"]:
            if violation["impact"] in ("critical", "serious"):
                self.failures.append(f"{name} [{self.viewport}]: {violation['id']} ({violation['impact']}, "
                                     f"{violation['nodes']} nodes) {violation['targets'][:3]} {violation['summary'][:200]}")

    def visit(self, path: str, name: str, status: int = 200) -> None:
        response = self.page.goto(self.base + path)
        assert response.status == status, (path, response.status)
        self.check(name)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.page.goto(self.base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("#submit")
        self.page.wait_for_url(lambda url: "/login" not in url)

    def logout(self) -> None:
        self.page.context.clear_cookies()


def employee_flow(walk: Walk, demo, tmp_path) -> None:
    page = walk.page
    walk.visit("/login", "login")
    page.fill("#username", "zhangsan")
    page.fill("#password", "wrong-password")
    page.click("#submit")
    walk.check("login-error")
    walk.visit("/register", "register")
    page.click("#submit")
    walk.check("register-errors")
    walk.visit("/verify", "verify")

    walk.login("zhangsan")
    walk.visit("/", "home")
    walk.visit(f"/quizzes/{demo['contest_id']}", "quiz-detail")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    page.locator(".question-card").first.locator("label").first.click()
    page.locator(".question-card").nth(1).locator("[data-mark]").click()
    page.wait_for_selector("#save-status.ok")
    walk.check("attempt-list")
    if walk.viewport == "phone":
        page.locator(".dock-card").click()
        page.wait_for_selector("#answer-card.show")
        walk.check("attempt-answer-card")
        page.locator("#answer-card .btn-close").click()
        page.wait_for_selector("#answer-card.show", state="detached")
    page.locator('.view-switch [data-mode="single"]').click()
    walk.check("attempt-single")
    page.locator("#next-question").click()
    page.locator("#open-submit").click()
    page.wait_for_selector("#submitModal.show")
    walk.check("attempt-submit-dialog")
    page.locator("#confirm-submit").click()
    page.wait_for_url("**/result")
    walk.check("result")
    page.locator("#only-wrong").click()
    page.locator("#expand-all").click()
    walk.check("result-only-wrong-expanded")
    result_url = page.url
    walk.visit(result_url.replace(walk.base, "").replace("/result", "/share"), "share-card")
    walk.visit("/history", "history")
    walk.visit("/", "home-after-attempt")
    walk.visit(f"/quizzes/{demo['contest_id']}", "quiz-detail-done-today")

    walk.visit("/training/", "training")
    page.select_option("#practice-start-form select[name=count]", index=0)
    page.locator("#start-practice").click()
    page.wait_for_url("**/training/practice/*")
    walk.check("practice-question")
    for number in range(1, 100):
        page.locator(".practice-option label").first.click()
        page.locator("#practice-submit").click()
        page.wait_for_url("**/items/*")
        if number == 1:
            walk.check("practice-feedback")
        if page.locator("#next-question").inner_text().strip() == "查看本轮结果":
            break
        page.locator("#next-question").click()
    page.locator("#next-question").click()
    walk.check("practice-summary")
    walk.visit("/training/notebook", "notebook")
    walk.visit("/training/levels", "levels")
    page.get_by_role("link", name="进入闯关").first.click()
    walk.check("level-map")
    page.get_by_role("button", name="开始闯关").first.click()
    page.wait_for_url("**/attempts/*")
    walk.check("level-attempt")
    walk.visit("/training/certificates", "certificates")
    walk.visit("/learning/", "learning")
    page.locator(".course-card").first.click()
    page.wait_for_url("**/learning/courses/*")
    walk.check("learning-course")
    for index, name in ((0, "learning-article"), (1, "learning-case"), (2, "learning-video")):
        page.locator("#course-items .course-item a").nth(index).click()
        page.wait_for_url("**/items/*")
        walk.check(name)
        page.go_back()
    walk.visit("/records/me", "record-me")
    walk.visit("/boards/", "boards-index")
    walk.visit(f"/boards/quizzes/{demo['contest_id']}/", "board-units")
    walk.visit(f"/boards/quizzes/{demo['contest_id']}/users", "board-users")
    walk.visit("/account/password", "change-password")
    page.click("#submit")
    walk.check("change-password-errors")
    walk.visit("/no-such-page", "not-found", status=404)


def trainer_flow(walk: Walk, demo, tmp_path) -> None:
    page = walk.page
    walk.login("trainer")
    walk.visit("/trainer/questions", "questions")
    walk.visit("/trainer/questions?q=%E7%81%AD%E7%81%AB%E5%99%A8", "questions-search")
    walk.visit("/trainer/questions?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E9%81%93%E9%A2%98", "questions-empty")
    first = page.goto(walk.base + "/trainer/questions")
    link = page.locator('a[href^="/trainer/questions/"]').filter(has_text=re.compile(r"^#?\d+$")).first
    question_path = link.get_attribute("href") if link.count() else "/trainer/questions/1"
    assert first.ok
    walk.visit(question_path, "question-detail")
    walk.visit(question_path + "/edit", "question-edit")
    page.locator("#stem").fill("")
    page.get_by_role("button", name="保存").click()
    walk.check("question-edit-errors")
    walk.visit("/trainer/questions/new", "question-new")
    walk.visit("/trainer/imports/new", "import-upload")
    page.get_by_role("button", name="上传并预览").click()
    walk.check("import-no-file")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(QUESTION_CSV, encoding="utf-8")
    bad.write_text(BAD_CSV, encoding="utf-8")
    for name, file in (("import-preview", good), ("import-preview-errors", bad)):
        walk.visit("/trainer/imports/new", "import-upload" if name == "import-preview" else "import-upload-again")
        page.set_input_files("#file", str(file))
        page.get_by_role("button", name="上传并预览").click()
        page.wait_for_load_state()
        walk.check(name)
    walk.visit("/trainer/categories", "categories")
    walk.visit("/trainer/bank-health", "bank-health")
    walk.visit("/trainer/bank-health?code=near_duplicate&citing=GB%202894", "bank-health-filtered")
    walk.visit("/trainer/bank-health/editions", "bank-editions")
    walk.visit("/trainer/quizzes", "quizzes")
    walk.visit("/trainer/quizzes/new", "quiz-new")
    page.locator("#title").fill("")
    page.get_by_role("button", name="保存").click()
    walk.check("quiz-new-errors")
    contest = demo["contest_id"]
    walk.visit(f"/trainer/quizzes/{contest}", "quiz-detail-trainer")
    walk.visit(f"/trainer/quizzes/{contest}/edit", "quiz-edit")
    walk.visit(f"/trainer/quizzes/{contest}/sample", "quiz-sample")
    walk.visit(f"/trainer/quizzes/{contest}/results", "results")
    attempt_link = page.locator('a[href^="/trainer/attempts/"]').first
    if attempt_link.count():
        walk.visit(attempt_link.get_attribute("href"), "attempt-detail")
    walk.visit(f"/trainer/quizzes/{contest}/analysis", "item-analysis")
    walk.visit(f"/boards/quizzes/{contest}/", "board-units-trainer")
    walk.visit(f"/boards/quizzes/{contest}/users", "board-users-trainer")
    walk.visit(f"/boards/quizzes/{contest}/print", "board-print")
    walk.visit(f"/boards/quizzes/{contest}/summary", "board-summary")
    walk.visit(f"/boards/quizzes/{contest}/settings", "board-settings")
    walk.visit("/training/posters", "posters")
    walk.visit("/training/manage", "levels-manage")
    page.locator('a[href^="/training/manage/"]').first.click()
    walk.check("level-series-manage")
    walk.visit("/training/levels", "levels-trainer")
    walk.visit(f"/training/levels/{demo['series_id']}", "level-map-trainer")
    walk.visit(f"/training/levels/{demo['series_id']}/units", "series-units")
    walk.visit("/campaigns/", "campaigns")
    page.locator("#campaign-list a").first.click()
    page.wait_for_load_state()
    walk.check("campaign-detail")
    campaign_path = page.url.replace(walk.base, "")
    walk.visit(campaign_path + "/board", "campaign-board")
    walk.visit(campaign_path + "/summary", "campaign-summary")
    walk.visit("/campaigns/new", "campaign-new")
    page.locator("#title").fill("")
    page.locator("#campaign-save").click()
    page.wait_for_load_state()
    walk.check("campaign-new-errors")
    walk.visit("/learning/manage", "learning-manage")
    walk.visit("/learning/manage/new", "learning-course-new")
    page.click("#course-save")
    walk.check("learning-course-new-errors")
    walk.visit("/learning/manage", "learning-manage")
    page.locator("#manage-courses a").first.click()
    walk.check("learning-course-manage")
    page.locator("#add-video").click()
    walk.check("learning-item-new-video")
    walk.visit("/records/units", "ledger-units")
    page.locator("#ledger-units a", has_text="区图书馆").click()
    page.wait_for_url("**/records/units/*")
    walk.check("ledger")
    page.locator(".ledger-row a", has_text="张三").click()
    page.wait_for_url("**/records/users/*")
    page.locator("#correction-panel summary").click()
    page.locator("#correction-save").click()
    page.wait_for_load_state()
    walk.check("record-correction-errors")


def admin_flow(walk: Walk, demo, tmp_path) -> None:
    page = walk.page
    walk.login("admin")
    walk.visit("/admin/users", "users")
    walk.visit("/admin/users/new", "user-new")
    page.get_by_role("button", name=re.compile("创建|保存")).first.click()
    walk.check("user-new-errors")
    page.fill("#username", "a11y_user")
    page.fill("#display_name", "测试用户")
    page.get_by_role("button", name=re.compile("创建|保存")).first.click()
    page.wait_for_load_state()
    walk.check("user-created")
    walk.visit("/records/requirements", "requirements")
    walk.visit("/records/requirements/new", "requirement-new")
    page.locator("#requirement-save").click()
    page.wait_for_load_state()
    walk.check("requirement-new-errors")
    walk.visit("/admin/users/import", "user-import")
    users = tmp_path / "users.csv"
    users.write_text("用户名,姓名,单位,角色,初始密码\nimport_one,导入一,区图书馆,职工,\nimport_two,导入二,不存在的单位,职工,\n",
                     encoding="utf-8")
    page.set_input_files("#file", str(users))
    page.get_by_role("button", name=re.compile("上传")).click()
    page.wait_for_load_state()
    walk.check("user-import-preview")
    walk.visit("/admin/units", "units")
    walk.visit("/admin/units/new", "unit-new")
    page.get_by_role("button", name="保存").click()
    walk.check("unit-new-errors")
    walk.visit("/admin/units/import", "unit-import")
    walk.visit("/admin/audit", "audit")
    contest = demo["contest_id"]
    walk.visit("/org/people", "org-people")
    walk.visit(f"/org/non-participants?target=quiz:{contest}", "org-non-participants")
    walk.visit("/org/people/new", "org-user-new")
    walk.visit(f"/org/reminders?target=quiz:{contest}", "org-reminders")
    walk.visit(f"/boards/quizzes/{contest}/settings", "board-settings-admin")
    page.fill("#label", "一楼大厅 LED")
    page.get_by_role("button", name="创建大屏链接").click()
    page.wait_for_selector("#new-link-url")
    walk.check("board-settings-new-link")
    display_url = page.locator("#new-link-url").input_value()
    page.goto(display_url)
    walk.check("big-screen")


FLOWS = {"employee": employee_flow, "trainer": trainer_flow, "admin": admin_flow}


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_no_critical_or_serious_violations(flow, demo, viewport_page, live_url, axe_check, tmp_path):
    viewport, page = viewport_page
    walk = Walk(page, live_url, axe_check, viewport)
    FLOWS[flow](walk, demo, tmp_path)
    assert not walk.failures, "\n".join(walk.failures)
