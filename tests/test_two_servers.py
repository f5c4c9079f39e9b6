"""Two app servers behind nginx on one PostgreSQL and one Redis, as docs/deploy.md sets them up.

Each test starts, as an unprivileged process group of its own:

* a private ``redis-server`` on a free port (nothing persisted, nobody else's keys);
* two app servers with the ExecStart of ``deploy/systemd/quiz@.service`` (gunicorn, 2 sync
  workers each, ``wsgi:app``), sharing this run's PostgreSQL schema, the Redis and one SECRET_KEY,
  each with an instance folder of its own;
* nginx (Debian's package) running ``deploy/nginx/quiz.conf`` itself, with only the lines marked
  ``test:`` rewritten (the two upstream ports, a free 127.0.0.1 port with a self-signed
  certificate, the cache path): ``nginx -p <tmp> -c <tmp>/nginx.conf`` with ``daemon off``, its
  pid file, logs and temp folders inside the test's folder.

Then employees use the platform the way the quiz page does (form posts with CSRF tokens, autosave
PUTs with the X-CSRFToken header), through nginx and pinned to one server by its own port.
Runs in the PostgreSQL pass of `make test` (several app servers need PostgreSQL); skipped with the
reason when nginx, redis-server, openssl or PostgreSQL is missing.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from quiz.extensions import db
from quiz.models import Answer, Attempt
from quiz.services import accounts
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec

from helpers import PASSWORD, ROOT
from bench.two_servers import (  # noqa: F401 - the launcher, shared with bench/city.py
    GUNICORN, NGINX, OPENSSL, REDIS_SERVER, Deployment, gunicorn_command, nginx_conf_for_test, nginx_main_conf,
    wait_for,
)

requests = pytest.importorskip("requests")

pytestmark = [
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="several app servers need PostgreSQL: runs in the PostgreSQL pass (TEST_DATABASE_URL)"),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (`make servers` installs Debian's package)"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
    pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (the test's self-signed certificate)"),
    pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment"),
]


@pytest.fixture
def deployment(app, tmp_path):
    running = Deployment(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


# ---------------------------------------------------------------- a browser


class Browser:
    """One employee's browser: its cookies go to whichever server it talks to (nginx or an app
    server's own port, as nginx would: with X-Forwarded-Proto https); forms and saves carry the
    CSRF token and the Referer a browser sends."""

    def __init__(self, deployment: Deployment, address: str = "192.0.2.10"):
        self.deployment = deployment
        self.cookies: dict[str, str] = {}
        self.address = address  # the employee's own address, as nginx forwards it
        self.http = requests.Session()
        self.http.trust_env = False
        self.csrf = None

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        parts = urlsplit(url)
        headers = {"Referer": f"https://{parts.netloc}/", "X-Forwarded-For": self.address, **kwargs.pop("headers", {})}
        if parts.scheme == "http":
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.http.cookies.clear()
        response = self.http.request(method, url, headers=headers, allow_redirects=False, timeout=30,
                                     verify=str(self.deployment.cert), **kwargs)
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', response.text or "")
        if token:
            self.csrf = token.group(1)
        return response

    def get(self, base: str, path: str) -> requests.Response:
        return self.request("GET", base + path)

    def post_form(self, base: str, path: str, data: dict | None = None) -> requests.Response:
        return self.request("POST", base + path, data={"csrf_token": self.csrf, **(data or {})})

    def put_json(self, base: str, path: str, body: dict) -> requests.Response:
        return self.request("PUT", base + path, json=body, headers={"X-CSRFToken": self.csrf})

    def sign_in(self, base_for_page: str, base_for_post: str, username: str, password: str = PASSWORD):
        self.get(base_for_page, "/login")
        return self.post_form(base_for_post, "/login", {"username": username, "password": password})


def questions_on_page(page: str) -> list[int]:
    return [int(qid) for qid in re.findall(r'data-question-id="(\d+)"', page)]


# ---------------------------------------------------------------- the test


def test_two_app_servers_behind_nginx(deployment, build):
    """One deployment for all the checks (starting one costs several seconds); the server is
    killed last.  Each check builds its own quiz and people."""
    check_static_files_are_compressed_and_versioned_ones_cached(deployment, build)
    check_sessions_and_csrf_tokens_work_across_servers(deployment, build)
    check_login_attempts_are_counted_across_both_servers(deployment, build)
    check_board_cache_is_shared_and_a_submit_shows_on_the_other_server_within_a_second(deployment, build)
    check_a_quiz_started_on_one_server_continues_on_the_other_when_the_first_is_killed(deployment, build)


# ---------------------------------------------------------------- 1. a server dies mid-quiz


EMPLOYEES = 8
QUESTIONS = 8
ROUNDS = 2  # each employee saves every question twice (changing their mind)


def check_a_quiz_started_on_one_server_continues_on_the_other_when_the_first_is_killed(deployment, build):
    build.questions(QUESTIONS, type="single")
    quiz = build.quiz([RuleSpec(count=QUESTIONS, type="single", points=10)], time_limit_seconds=3600)
    unit = build.unit("两台服务器测试单位")
    users = [build.user(f"emp{i}", unit=unit) for i in range(EMPLOYEES)]
    first, nginx = deployment.server(0), deployment.url

    browsers = []
    for i, user in enumerate(users):
        browser = Browser(deployment, address=f"192.0.2.{100 + i}")
        assert browser.sign_in(nginx, nginx, user.username).status_code == 302
        browser.get(first, f"/quizzes/{quiz.id}")
        started = browser.post_form(first, f"/quizzes/{quiz.id}/start")  # started on server 1
        assert started.status_code == 302 and "/attempts/" in started.headers["Location"]
        attempt_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
        page = browser.get(first, f"/attempts/{attempt_id}")
        assert page.status_code == 200
        browsers.append((browser, attempt_id, questions_on_page(page.text)))

    acknowledged: dict[tuple[int, int], int] = {}  # (attempt, question) -> the last choice that got a 200
    failures: list[tuple[int, str]] = []
    cut_mid_response: list[str] = []
    lock = threading.Lock()
    saves = [0]
    killed = threading.Event()
    after_kill = [0]

    def employee(job):
        browser, attempt_id, question_ids = job
        for round_number in range(ROUNDS):
            for question_id in question_ids:
                choice = (question_id + round_number) % 4
                path = f"/api/v1/attempts/{attempt_id}/answers/{question_id}"
                for _try in range(20):  # the page retries a failed save until it is acknowledged
                    try:
                        response = browser.put_json(nginx, path, {"selected": [choice]})
                        status = response.status_code
                    except requests.exceptions.ChunkedEncodingError as error:
                        # Killed between writing a response's headers and its body: nginx had passed
                        # the headers on and can no longer retry elsewhere.  The page sees a network
                        # error and saves again, as here; only saves in flight at the kill can.
                        with lock:
                            cut_mid_response.append(str(error)[:200])
                        time.sleep(0.2)
                        continue
                    except requests.RequestException as error:
                        status, response = 0, error
                    if status == 200:
                        break
                    with lock:
                        failures.append((status, str(getattr(response, "text", response))[:200]))
                    time.sleep(0.2)
                else:
                    raise AssertionError(f"save of {path} never acknowledged")
                with lock:
                    acknowledged[(attempt_id, question_id)] = choice
                    saves[0] += 1
                    if killed.is_set():
                        after_kill[0] += 1

    with ThreadPoolExecutor(EMPLOYEES) as pool:
        futures = [pool.submit(employee, job) for job in browsers]
        total = EMPLOYEES * QUESTIONS * ROUNDS
        deadline = time.time() + 60
        while saves[0] < total // 3 and time.time() < deadline:
            time.sleep(0.01)
        deployment.kill(0)  # mid-quiz: saves are in flight on server 1
        killed.set()
        for future in futures:
            future.result()
    assert after_kill[0] > total // 3, "too few saves after the kill"

    # Every employee submits through nginx (served by server 2 now) and sees the result.
    for browser, attempt_id, _ in browsers:
        browser.get(nginx, f"/attempts/{attempt_id}")  # the quiz page, reloaded, from server 2
        submitted = browser.post_form(nginx, f"/attempts/{attempt_id}/submit")
        assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/result")
        assert browser.get(nginx, f"/attempts/{attempt_id}/result").status_code == 200

    # No save ever failed as the page sees it: nginx passed the idempotent PUTs that were in
    # flight on server 1, and those it could not connect to, to server 2.  The one exception is
    # a save whose response server 1 had begun (headers sent, body not) when it was killed: the
    # page retries it like any network error, and it was acknowledged above.
    assert not failures, failures[:5]
    assert len(cut_mid_response) <= EMPLOYEES, cut_mid_response[:5]  # at most one in flight per employee
    log = deployment.access_log()
    saves_seen = [(status, upstream) for method, _path, status, upstream in log if method == "PUT"]
    first_port, second_port = (f"127.0.0.1:{port}" for port in deployment.ports)
    assert (("200", first_port) in saves_seen), "server 1 served no save before the kill"
    assert (("200", second_port) in saves_seen)
    retried = [status for status, upstream in saves_seen if upstream == f"{first_port}, {second_port}"]
    assert retried and set(retried) == {"200"}, "no save was passed on to server 2"

    # The database has every acknowledged answer, the last choice of each, in the submitted attempts.
    db.session.rollback()
    stored = {(a, q): s for a, q, s in db.session.execute(db.select(Answer.attempt_id, Answer.question_id,
                                                                   Answer.selected))}
    assert len(acknowledged) == EMPLOYEES * QUESTIONS
    wrong = {key: (stored.get(key), [choice]) for key, choice in acknowledged.items() if stored.get(key) != [choice]}
    assert not wrong, list(wrong.items())[:5]
    attempts = db.session.scalars(db.select(Attempt).where(Attempt.quiz_id == quiz.id)).all()
    assert len(attempts) == EMPLOYEES and all(attempt.is_final for attempt in attempts)


# ---------------------------------------------------------------- 2. rate limits are shared


def check_login_attempts_are_counted_across_both_servers(deployment, build):
    build.user("zhangsan")
    guesser = Browser(deployment, address="198.51.100.7")
    first, second = deployment.server(0), deployment.server(1)
    # LOGIN_RATE_LIMIT is 10 per minute: 5 wrong guesses on each server, 2 workers each.
    for attempt in range(10):
        base = first if attempt % 2 == 0 else second
        response = guesser.sign_in(base, base, "zhangsan", "wrong-guess")
        assert response.status_code == 200, response.status_code  # the form again, with its error
    # The eleventh, through nginx, on any server: refused, even with the right password.
    locked = guesser.sign_in(deployment.url, deployment.url, "zhangsan")
    assert locked.status_code == 429 and "尝试次数过多" in locked.text
    assert guesser.sign_in(first, first, "zhangsan").status_code == 429
    assert guesser.sign_in(second, second, "zhangsan").status_code == 429
    # Counted per client address (as nginx forwards it), not for everyone.
    other = Browser(deployment, address="198.51.100.8")
    assert other.sign_in(deployment.url, deployment.url, "zhangsan").status_code == 302


# ---------------------------------------------------------------- 3. sessions and CSRF across servers


def check_sessions_and_csrf_tokens_work_across_servers(deployment, build):
    build.questions(3, type="single")
    quiz = build.quiz([RuleSpec(count=3, type="single", points=1)], time_limit_seconds=3600)
    build.user("lisi", display_name="李四")
    first, second = deployment.server(0), deployment.server(1)
    browser = Browser(deployment)

    # The sign-in form from server 1, posted to server 2.
    assert browser.sign_in(first, second, "lisi").status_code == 302
    home = browser.get(first, "/")
    assert home.status_code == 200 and "李四" in home.text
    # A form page from server 2, its form posted to server 1.
    browser.get(second, f"/quizzes/{quiz.id}")
    started = browser.post_form(first, f"/quizzes/{quiz.id}/start")
    assert started.status_code == 302 and "/attempts/" in started.headers["Location"]
    attempt_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    # The quiz page from server 1; its saves (X-CSRFToken) to server 2 and through nginx.
    question_ids = questions_on_page(browser.get(first, f"/attempts/{attempt_id}").text)
    assert browser.put_json(second, f"/api/v1/attempts/{attempt_id}/answers/{question_ids[0]}",
                            {"selected": [1]}).status_code == 200
    assert browser.put_json(deployment.url, f"/api/v1/attempts/{attempt_id}/answers/{question_ids[1]}",
                            {"selected": [2]}).status_code == 200
    # CSRF is enforced on both: a save or a form without the token is refused.
    saved = browser.request("PUT", f"{second}/api/v1/attempts/{attempt_id}/answers/{question_ids[2]}",
                            json={"selected": [0]})
    assert saved.status_code == 400
    assert browser.request("POST", f"{first}/attempts/{attempt_id}/submit", data={}).status_code in (302, 400)
    db.session.rollback()
    assert db.session.get(Attempt, attempt_id).is_final is False
    # Submitted on server 2 with server 1's token.
    browser.get(first, f"/attempts/{attempt_id}")
    assert browser.post_form(second, f"/attempts/{attempt_id}/submit").headers["Location"].endswith("/result")
    # Signing out on server 1 ends the sign-in on server 2 and behind nginx too.
    stolen = dict(browser.cookies)
    assert browser.post_form(first, "/logout").status_code == 302
    thief = Browser(deployment)
    thief.cookies = stolen
    assert thief.get(second, "/").status_code == 302
    assert thief.get(deployment.url, "/").status_code == 302


# ---------------------------------------------------------------- 4. boards are shared and fresh


def check_board_cache_is_shared_and_a_submit_shows_on_the_other_server_within_a_second(deployment, build):
    import redis

    build.questions(3, type="single")
    quiz = build.quiz([RuleSpec(count=3, type="single", points=1)], time_limit_seconds=3600)
    unit = build.unit("看板单位")
    reader = build.user("reader", unit=unit)
    taker = build.user("wangwu", unit=unit, display_name="王五")
    reader_token, _ = accounts.issue_token(reader, now_utc(), 3600)
    taker_token, _ = accounts.issue_token(taker, now_utc(), 3600)
    db.session.commit()
    first, second = deployment.server(0), deployment.server(1)
    board = f"/api/v1/quizzes/{quiz.id}/leaderboard/users"

    def api(base, method, path, token, body=None):
        return requests.request(method, base + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})

    assert api(first, "GET", board, reader_token).json()["users"] == []
    store = redis.Redis.from_url(deployment.redis_url)
    keys = [key for key in store.keys("quiz:boards:*") if b":lock:" not in key]
    assert keys, "the board was not stored in Redis"
    computed = {key: json.loads(store.get(key))["computed_at"] for key in keys}
    # Server 2 (whose workers never computed this board) serves the entry server 1 stored.
    for _ in range(4):  # both of its workers
        assert api(second, "GET", board, reader_token).json()["users"] == []
    assert {key: json.loads(store.get(key))["computed_at"] for key in keys} == computed

    # A submit on server 1 shows on server 2's board (and behind nginx) within a second.
    attempt = api(first, "POST", f"/api/v1/quizzes/{quiz.id}/attempts", taker_token).json()
    for item in attempt["questions"]:
        assert api(first, "PUT", f"/api/v1/attempts/{attempt['id']}/answers/{item['id']}", taker_token,
                   {"selected": [0]}).status_code == 200
    assert api(first, "POST", f"/api/v1/attempts/{attempt['id']}/submit", taker_token).status_code == 200
    submitted = time.monotonic()
    seen = {}
    for base in (second, deployment.url):
        while time.monotonic() - submitted < 3:
            response = requests.get(base + board, headers={"Authorization": f"Bearer {reader_token}"}, timeout=10,
                                    verify=str(deployment.cert))
            if [row["display_name"] for row in response.json()["users"]] == ["王五"]:
                seen[base] = time.monotonic() - submitted
                break
            time.sleep(0.05)
    assert seen.get(second, 9) < 1.0 and seen.get(deployment.url, 9) < 1.0, seen


# ---------------------------------------------------------------- 5. static files through nginx


def check_static_files_are_compressed_and_versioned_ones_cached(deployment, build):
    build.user("zhaoliu")
    browser = Browser(deployment)
    page = browser.get(deployment.url, "/login").text
    css = re.search(r'href="(/bootstrap/static/[^"]+\.css\?v=[0-9a-f]+)"', page) or \
        re.search(r'href="(/static/[^"]+\.css\?v=[0-9a-f]+)"', page)
    assert css, "no versioned stylesheet on the login page"
    url = deployment.url + css.group(1)

    def fetch(target):
        return requests.get(target, headers={"Accept-Encoding": "gzip"}, timeout=10, verify=str(deployment.cert))

    first, again = fetch(url), fetch(url)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert again.headers["X-Cache-Status"] == "HIT" and again.content == first.content
    # An old or missing version is not kept for a year, by nginx or the browser.
    unversioned = fetch(url.split("?")[0])
    assert "immutable" not in unversioned.headers.get("Cache-Control", "")
    assert unversioned.headers["X-Cache-Status"] != "HIT" and fetch(url.split("?")[0]).headers["X-Cache-Status"] != "HIT"
    # Plain HTTP is sent to HTTPS; the server does not name its version.
    redirect = requests.get(f"http://127.0.0.1:{deployment.http_port}/login", allow_redirects=False, timeout=10)
    assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")
    assert first.headers["Server"] == "nginx"


def test_the_test_runs_the_repository_files():
    """The systemd unit and the nginx site in deploy/ are the ones docs/deploy.md points at."""
    docs = (ROOT / "docs" / "deploy.md").read_text()
    assert "deploy/nginx/quiz.conf" in docs and "deploy/systemd/quiz@.service" in docs
    assert gunicorn_command(8001)[1:3] == ["--workers", "2"]
