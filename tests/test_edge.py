"""Issue 17, the edge: trusted proxies and BASE_URL, input checked before it can cause a 500,
production defaults (registration, file modes, redacted logs, no-store, Server header) and
the password policy."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import stat
import subprocess
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from quiz import create_app
from quiz.errors import ValidationFailed
from quiz.extensions import db
from quiz.models import Quiz, User
from quiz.ops import RedactingFilter, RedactingGunicornLogger, redact
from quiz.proxies import TrustedProxies, parse_networks
from quiz.services import demo
from quiz.services.passwords import check_password, common_passwords

from boards_helpers import contest
from helpers import PASSWORD, ROOT, T0

CLIENT = "192.0.2.7"  # a client that reaches the app server's port directly
PROXY = "10.0.0.5"


def request_log_ips(caplog) -> list[str]:
    return [json.loads(r.getMessage())["ip"] for r in caplog.records if r.name == "quiz.request"]


# ---------------------------------------------------------------- proxies


@pytest.fixture
def behind_proxy(app_config):
    app_config.update(TRUSTED_PROXIES=f"{PROXY}, 10.1.0.0/16", RATELIMIT_ENABLED=True,
                      LOGIN_RATE_LIMIT="3 per minute")
    return app_config


def test_direct_client_rotating_forwarded_for_is_rate_limited_and_logged_as_itself(behind_proxy, client, build,
                                                                                   caplog):
    build.user("zhangsan")
    caplog.set_level(logging.INFO, logger="quiz.request")
    statuses = [
        client.post("/login", data={"username": "zhangsan", "password": "wrong"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"}, environ_base={"REMOTE_ADDR": CLIENT}).status_code
        for n in range(6)
    ]
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
    assert set(request_log_ips(caplog)) == {CLIENT}
    api = [client.post("/api/v1/tokens", json={"username": "zhangsan", "password": "wrong"},
                       headers={"X-Forwarded-For": f"203.0.113.{100 + n}"},
                       environ_base={"REMOTE_ADDR": CLIENT}).status_code for n in range(4)]
    assert api == [401, 401, 401, 429]


def test_forwarded_for_counts_from_a_trusted_proxy_only(behind_proxy, client, build, caplog):
    caplog.set_level(logging.INFO, logger="quiz.request")
    client.get("/login", headers={"X-Forwarded-For": "198.51.100.9"}, environ_base={"REMOTE_ADDR": PROXY})
    # A client cannot prepend an address: the right-most one that is not a trusted proxy wins,
    # through a chain of trusted proxies (10.1.0.0/16 given as a CIDR).
    client.get("/login", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.10, 10.1.2.3"},
               environ_base={"REMOTE_ADDR": PROXY})
    client.get("/login", headers={"X-Forwarded-For": "not-an-ip"}, environ_base={"REMOTE_ADDR": PROXY})
    assert request_log_ips(caplog) == ["198.51.100.9", "198.51.100.10", PROXY]


def _seen_by_app(remote_addr: str, headers: dict) -> dict:
    seen = {}

    def inner(environ, start_response):
        seen.update(environ)
        return []

    environ = {"REMOTE_ADDR": remote_addr, "wsgi.url_scheme": "http", "HTTP_HOST": "quiz.local",
               **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}
    TrustedProxies(inner, parse_networks(PROXY))(environ, lambda *a: None)
    return seen


def test_only_for_and_proto_count_and_only_from_a_trusted_proxy():
    forged = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Prefix": "/evil", "X-Forwarded-Port": "8443", "Forwarded": "host=evil.example"}
    direct = _seen_by_app(CLIENT, forged)
    assert direct["REMOTE_ADDR"] == CLIENT and direct["wsgi.url_scheme"] == "http"
    proxied = _seen_by_app(PROXY, forged)
    assert proxied["REMOTE_ADDR"] == "198.51.100.9" and proxied["wsgi.url_scheme"] == "https"
    for seen in (direct, proxied):
        assert seen["HTTP_HOST"] == "quiz.local"
        assert not any(key.startswith("HTTP_X_FORWARDED") or key == "HTTP_FORWARDED" for key in seen)


@pytest.fixture
def proxy_fix_only(app_config):
    app_config.update(PROXY_FIX=True)


def test_proxy_fix_alone_trusts_this_machine_only(proxy_fix_only, client, caplog):
    caplog.set_level(logging.INFO, logger="quiz.request")
    client.get("/login", headers={"X-Forwarded-For": "198.51.100.9"}, environ_base={"REMOTE_ADDR": CLIENT})
    client.get("/login", headers={"X-Forwarded-For": "198.51.100.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert request_log_ips(caplog) == [CLIENT, "198.51.100.9"]


def test_trusted_proxies_typo_stops_start_up():
    assert len(parse_networks("127.0.0.1,10.0.0.0/24 ::1")) == 3
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("10.0.0.300")


def _posters(client, headers=None):
    return client.get("/training/posters", headers=headers or {}).data.decode()


@pytest.fixture
def trusted_proxy(app_config):
    app_config.update(TRUSTED_PROXIES=PROXY)


def test_absolute_links_ignore_forwarded_host_and_follow_base_url(trusted_proxy, client, build, web_login):
    quiz = build.quiz(title="海报测验")
    web_login(build.user("trainer9", role="trainer"))
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/evil", "X-Forwarded-Proto": "https"}
    page = client.get("/training/posters", headers=forged, environ_base={"REMOTE_ADDR": PROXY}).data.decode()
    assert f"https://localhost/take/quizzes/{quiz.id}" in page or f"https://localhost/quizzes/{quiz.id}" in page \
        or "https://localhost/" in page
    assert "evil" not in page

    client.application.config["BASE_URL"] = "https://aq.example.gov.cn/"
    page = client.get("/training/posters", headers=forged, environ_base={"REMOTE_ADDR": PROXY}).data.decode()
    assert "https://aq.example.gov.cn/" in page and "localhost" not in page and "evil" not in page
    assert client.get(f"/training/qr/quizzes/{quiz.id}.svg").status_code == 200


def test_display_link_and_certificate_urls_use_base_url(client, build, web_login):
    from quiz.proxies import absolute_url

    client.application.config["BASE_URL"] = "https://aq.example.gov.cn"
    quiz = contest(build, opens_at=T0 - dt.timedelta(days=1), closes_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=9))
    web_login(build.user("admin7", role="admin"))
    page = client.post(f"/boards/quizzes/{quiz.id}/links", data={"label": "大厅"},
                       headers={"X-Forwarded-Host": "evil.example"}).data.decode()
    assert re.search(r'value="https://aq\.example\.gov\.cn/boards/display/[^"]+"', page), page[-2000:]
    with client.application.test_request_context("/", headers={"Host": "evil.example"}):
        assert absolute_url("verify.certificate", code="ABC") == "https://aq.example.gov.cn/verify/ABC"


# ---------------------------------------------------------------- no 500 from input

HUGE = str(2**63)


@pytest.mark.parametrize("path", [
    "/admin/users?page={n}", "/admin/users?unit_id={n}", "/admin/audit?target_id={n}", "/admin/audit?actor_id={n}",
    "/admin/audit?page={n}", "/trainer/questions?category_id={n}&page={n}", "/trainer/bank-health?category_id={n}",
    "/training/?category={n}", "/training/notebook?category={n}", "/trainer/quizzes/{quiz}/results?unit_id={n}&page={n}",
    "/boards/quizzes/{quiz}/users?unit={n}&page={n}", "/boards/quizzes/{quiz}/users?page=-{n}",
])
@pytest.mark.parametrize("number", [HUGE, "9" * 30, "-" + HUGE])
def test_out_of_range_integers_in_query_strings_are_4xx(client, build, web_login, path, number):
    quiz = build.quiz()
    web_login(build.user("admin8", role="admin", unit=build.unit()))
    response = client.get(path.format(n=number, quiz=quiz.id))
    assert response.status_code < 500, response.data.decode()[:500]
    if response.status_code == 400:
        assert "超出范围" in response.data.decode()


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00", "9999-12-31T00:00:00",
                                  "1899-12-31T00:00:00Z"])
def test_quiz_dates_outside_the_supported_years_are_422(api, build, when):
    build.questions(3)
    session = api(build.user("admin2", role="admin", unit=build.unit()))
    for field in ("opens_at", "closes_at"):
        response = session.post("/api/v1/quizzes", json={"title": "t", "time_limit_seconds": 600, field: when,
                                                         "rules": [{"count": 1}]})
        assert response.status_code == 422 and "2000" in json.dumps(response.json, ensure_ascii=False)


def test_quiz_dates_on_the_web_form_are_checked(client, build, trainer):
    build.questions(3)
    for when in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post("/trainer/quizzes/new", data={"title": "t", "time_limit_minutes": "10",
                                                             "opens_at": when, "pass_score": "0"})
        assert response.status_code == 422 and "时间应在 2000 年至 2099 年之间" in response.data.decode()
    assert db.session.scalar(db.select(db.func.count()).select_from(Quiz)) == 0


def test_deep_or_huge_json_is_refused_before_parsing(client):
    deep = client.post("/api/v1/tokens", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert deep.status_code == 400 and "嵌套" in deep.json["message"]
    nested_in_a_string = json.dumps({"username": "[" * 500, "password": "{" * 500})
    assert client.post("/api/v1/tokens", data=nested_in_a_string, content_type="application/json").status_code in (401, 422)
    huge = client.post("/api/v1/tokens", data=b'"' + b"x" * (2 * 1024 * 1024) + b'"', content_type="application/json")
    assert huge.status_code == 413 and huge.json["error"] == "too_large"


@pytest.mark.parametrize("title", ["第一行\n第二行", "回车\r\n换行", "分隔\u2028符", "制表\t\x0b\x0c", "下载\x85"])
def test_any_title_makes_safe_download_headers(api, client, build, web_login, title):
    build.questions(3)
    admin = build.user("admin3", role="admin", unit=build.unit())
    quiz_id = api(admin).post("/api/v1/quizzes", json={"title": title, "time_limit_seconds": 600,
                                                       "rules": [{"count": 1}]}).json["id"]
    web_login(admin)
    for url in (f"/trainer/quizzes/{quiz_id}/results.xlsx", f"/trainer/quizzes/{quiz_id}/results.csv",
                f"/boards/quizzes/{quiz_id}/export.xlsx"):
        response = client.get(url)
        if response.status_code == 404:
            continue  # a board export name that this quiz does not offer
        assert response.status_code == 200, url
        for value in response.headers.values():
            assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", value), (url, value)


def test_results_csv_names_its_charset_once(client, build, trainer):
    quiz = build.quiz()
    response = client.get(f"/trainer/quizzes/{quiz.id}/results.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


# ---------------------------------------------------------------- defaults


def test_registration_is_off_unless_asked_for(app_config, migrated_database, tmp_path, monkeypatch):
    config = {key: value for key, value in app_config.items() if key != "ALLOW_REGISTRATION"}
    monkeypatch.delenv("ALLOW_REGISTRATION", raising=False)
    production = create_app(config)
    assert production.config["ALLOW_REGISTRATION"] is False
    with production.app_context():
        assert production.test_client().get("/register").status_code == 404
        db.engine.dispose()
    monkeypatch.setenv("ALLOW_REGISTRATION", "1")
    assert create_app(config).config["ALLOW_REGISTRATION"] is True
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export ALLOW_REGISTRATION ?= 1" in makefile


def test_make_serve_binds_this_machine_by_default():
    # `make test` runs this suite: what it exports (MAKEFLAGS ...) must not reach the inner make.
    env = {k: v for k, v in os.environ.items()
           if k not in ("BIND", "TRUSTED_PROXIES", "PORT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    dry = subprocess.run(["make", "-n", "-W", "requirements.txt", "serve"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "--bind 127.0.0.1:" in dry and "--forwarded-allow-ips ''" in dry
    assert "--logger-class quiz.ops.RedactingGunicornLogger" in dry
    opened = subprocess.run(["make", "-n", "serve", "BIND=0.0.0.0", "TRUSTED_PROXIES=10.0.0.5"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout
    assert "--bind 0.0.0.0:" in opened and "--forwarded-allow-ips '10.0.0.5'" in opened


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_instance_folder_database_and_backups_are_owner_only(app_config, tmp_path, monkeypatch, runner):
    instance = tmp_path / "private-instance"
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(instance))
    database = tmp_path / "data" / "quiz.sqlite3"
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.session.execute(db.text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert _mode(instance) == 0o700 and _mode(database.parent) == 0o700
    assert _mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        if (database.parent / (database.name + suffix)).exists():
            assert _mode(database.parent / (database.name + suffix)) == 0o600

    backup = tmp_path / "backups" / "quiz.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert _mode(backup) == 0o600

    # A database made before this rule is tightened on the next start.
    os.chmod(database, 0o644)
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert _mode(database) == 0o600


SECRET = "Zq8sLr0-display-token-value"


@pytest.mark.parametrize("line", [
    f"GET /boards/display/{SECRET} HTTP/1.1",
    f"/boards/display/{SECRET}/data?since=1",
    f"/boards/display/{SECRET}/charts/units.svg",
    f"https://aq.example/verify/{SECRET}",
    f"/verify?code={SECRET}&x=1",
])
def test_redact_hides_display_tokens_and_certificate_codes(line):
    assert SECRET not in redact(line) and "[redacted]" in redact(line)


def test_every_log_line_is_redacted(client, build, web_login, caplog):
    caplog.set_level(logging.INFO)
    client.get(f"/boards/display/{SECRET}")
    client.get(f"/verify/{SECRET}")
    request_lines = [r.getMessage() for r in caplog.records if r.name == "quiz.request"]
    assert len(request_lines) == 2 and all(SECRET not in line for line in request_lines)

    # werkzeug's development server logs its request line through the "werkzeug" logger
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", f"GET /boards/display/{SECRET} HTTP/1.1", "200", "-"), None)
    assert RedactingFilter().filter(record) and SECRET not in record.getMessage()
    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("werkzeug").filters)

    # gunicorn's access log
    from gunicorn.config import Config
    logger = RedactingGunicornLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/boards/display/{SECRET}", "PATH_INFO": f"/boards/display/{SECRET}",
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": f"http://x/boards/display/{SECRET}"}
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    atoms = logger.atoms(response, SimpleNamespace(headers=[("REFERER", f"http://x/boards/display/{SECRET}")]),
                         environ, dt.timedelta(seconds=0.01))
    assert SECRET not in json.dumps(atoms, default=str)


def test_api_and_form_responses_are_not_stored(client, build):
    build.user("lisi")
    token = client.post("/api/v1/tokens", json={"username": "lisi", "password": PASSWORD})
    assert token.status_code == 201 and token.headers["Cache-Control"] == "no-store"
    assert client.post("/api/v1/tokens", json={}).headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_server_header_names_no_version(live_server):
    import urllib.request

    import gunicorn

    with urllib.request.urlopen(live_server.url + "/login") as response:
        server = response.headers["Server"]
    assert server and not re.search(r"\d|werkzeug|python", server, re.I)
    assert not re.search(r"\d", gunicorn.SERVER)  # what gunicorn sends: its name without the version


# ---------------------------------------------------------------- passwords


@pytest.mark.parametrize("password, kwargs, message", [
    ("zhaoliu123", {"username": "zhaoliu"}, "用户名或姓名"),
    ("ZhaoLiu@2024x", {"username": "zhaoliu"}, "用户名或姓名"),
    ("王小明的密码ab", {"username": "wxm", "display_name": "王小明"}, "用户名或姓名"),
    ("qwertyui", {}, "键盘|过于常见"),
    ("1qaz2wsx", {}, "过于常见"),
    ("1qaz2wsx3edc", {}, "键盘|过于常见"),
    ("zxcvbnm!9", {}, "键盘|过于常见"),
    ("asdfgh12", {}, "键盘|过于常见"),
    ("abcdefgh1", {}, "键盘|过于常见"),
    ("anquan123", {}, "活动"),
    ("我爱安全生产abc", {}, "活动"),
    ("Safety-First!", {}, "活动"),
    ("Winter-2026-x", {}, "活动"),
    ("dragon2024!", {}, "过于常见"),
    ("sunshine", {}, "过于常见"),
    ("ｐａｓｓｗｏｒｄ１", {}, "过于常见"),
])
def test_weak_passwords_are_refused(password, kwargs, message):
    with pytest.raises(ValidationFailed, match=message):
        check_password(password, 8, **kwargs)


@pytest.mark.parametrize("password", [PASSWORD, demo.DEMO_PASSWORD, "Maple#Brook58", "Good-Pass-1", "New-Secret-9",
                                      "Strong-Pass-9", "Safe-Pass-4821", "Str0ng-Keeper"])
def test_the_fixtures_and_demo_passwords_pass(password):
    check_password(password, 8, username="zhangsan", display_name="张三")


def test_common_list_is_large():
    assert len(common_passwords()) >= 10_000


def test_every_way_of_setting_a_password_applies_the_rule(client, build, web_login, api, runner):
    unit = build.unit("区文化馆")
    weak = "zhaoliu123"
    register = client.post("/register", data={"username": "zhaoliu", "display_name": "赵六", "unit_id": unit.id,
                                              "password": weak, "confirm": weak})
    assert "用户名或姓名" in register.data.decode()
    admin = build.user("admin5", role="admin", unit=unit)
    response = api(admin).post("/api/v1/users", json={"username": "zhaoliu", "password": weak, "unit_id": unit.id})
    assert response.status_code == 422 and response.json["error"] == "weak_password"
    result = runner.invoke(args=["create-user", "zhaoliu", "--password", weak])
    assert result.exit_code != 0 and "用户名或姓名" in result.output

    web_login(admin)
    created = client.post("/admin/users/new", data={"username": "zhaoliu", "display_name": "赵六",
                                                    "unit_id": str(unit.id), "role": "employee", "password": weak})
    assert "用户名或姓名" in created.data.decode()
    employee = build.user("qianqi", unit=unit, display_name="钱七")
    client.post(f"/admin/users/{employee.id}/reset-password", data={"password": "qianqi2025x"})
    assert db.session.get(User, employee.id).password_hash == employee.password_hash

    rows = "用户名,姓名,单位,角色,初始密码\nzhaoliu,赵六,区文化馆,职工,zhaoliu123\nsunqi,孙七,区文化馆,职工,qwertyuiop1\n"
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(rows.encode("utf-8-sig")), filename="u.csv")})
    uploaded = client.post("/admin/users/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    preview = client.get(uploaded.headers["Location"]).data.decode() if uploaded.status_code == 302 \
        else uploaded.data.decode()
    assert "用户名或姓名" in preview and ("键盘" in preview or "过于常见" in preview), preview

    client.post("/logout")
    web_login(employee)
    changed = client.post("/account/password", data={"current": PASSWORD, "password": "钱七的新密码1x",
                                                      "confirm": "钱七的新密码1x"})
    assert "用户名或姓名" in changed.data.decode()
