"""Fixtures: an app per test on a freshly emptied, migrated database, and builders.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL points at
PostgreSQL; `make test` runs the suite once for each.  Migrations run once per
session (so every test also proves they build the schema); each test then starts
from empty tables.
"""

from __future__ import annotations

import os
import random
import uuid
import threading
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from quiz import create_app
from quiz.config import normalize_database_url
from quiz.database import transaction_mode
from quiz.extensions import db
from quiz.schema_version import upgrade_to_heads
from quiz.models import Category, Question, Unit, User
from quiz.services import accounts, quizzes
from quiz.models.base import utcnow
from quiz.services.questions import stem_key
from quiz.services.quizzes import RuleSpec

from helpers import FAST_HASH, PASSWORD, TEMPORARY_HASH



def pytest_report_header(config):
    return f"database: {database_label()}"


def database_label() -> str:
    return "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    # A schema of its own per test run, so that parallel runs on one database never meet.
    url = normalize_database_url(url)
    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()  # no pooled connection kept for the end: the run may restart the server (test_faults)
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    upgrade_to_heads(app)
    with app.app_context():
        db.engine.dispose()
    return database_url


def _test_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "TEMPORARY_PASSWORD_HASH_METHOD": TEMPORARY_HASH,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "ALLOW_REGISTRATION": True,  # as in `make run`'s demo; production's default is off (test_edge.py)
    }


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
        db.session.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence() else None
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return bool(db.session.execute(text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first())


@pytest.fixture
def app_config(migrated_database, tmp_path) -> dict:
    """Override in a test module (or update in a test) before `app` is used."""
    return _test_config(migrated_database, tmp_path)


@pytest.fixture
def csrf_app_config(app_config):
    """Ask for it before `client` to test with CSRF protection on (it is off in tests otherwise)."""
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test body holds an app context for its builders; without this, requests would
    share its `g` and database session and hide bugs (a cached user, stale state).
    """

    def open(self, *args, **kwargs):
        db.session.commit()  # end the test body's read snapshot (SQLite) before the request
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.commit()  # and see what the request wrote


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    # The test body only sets up and inspects; it must not hold SQLite's write
    # lock between its statements while requests run.
    with application.app_context(), transaction_mode(may_write=False):
        _empty_all_tables()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- builders


class Builders:
    """create_* helpers that flush and commit, for readable tests."""

    def __init__(self, app):
        self.app = app
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def unit(self, name: str | None = None, kind: str = "科室", headcount: int | None = 10) -> Unit:
        unit = accounts.create_unit(name or f"单位{self._next()}", kind, headcount)
        db.session.commit()
        return unit

    def user(self, username: str | None = None, *, role: str = "employee", unit: Unit | None = None,
             password: str = PASSWORD, display_name: str | None = None) -> User:
        if unit is None and role == "employee":
            unit = self.unit()
        user = accounts.create_user(
            username or f"user{self._next()}",
            password_hash=accounts.hash_new_password(password, hash_method=FAST_HASH, min_length=8),
            display_name=display_name,
            unit=unit,
            role=role,
        )
        db.session.commit()
        return user

    def category(self, name: str = "消防安全") -> Category:
        category = db.session.scalar(db.select(Category).where(Category.name == name))
        if category is None:
            category = Category(name=name)
            db.session.add(category)
            db.session.commit()
        return category

    def question(self, *, type: str = "single", category: str = "消防安全", options=None, correct=None,
                 points: int = 1, difficulty: int = 2, stem: str | None = None) -> Question:
        n = self._next()
        if type == "true_false":
            options, correct = options or ["正确", "错误"], correct if correct is not None else [0]
        else:
            options = options or [f"选项{n}-{letter}" for letter in "ABCD"]
            correct = correct if correct is not None else ([1] if type == "single" else [0, 2])
        stem = stem or f"第{n}题：测试题干？"
        question = Question(
            category=self.category(category),
            type=type,
            stem=stem,
            stem_key=stem_key(stem),
            options=options,
            correct=correct,
            explanation=f"解析{n}",
            source="《中华人民共和国安全生产法》",
            difficulty=difficulty,
            points=points,
        )
        db.session.add(question)
        db.session.commit()
        return question

    def questions(self, count: int, **kwargs) -> list[Question]:
        return [self.question(**kwargs) for _ in range(count)]

    def quiz(self, rules=None, *, created_by=None, **kwargs):
        if rules is None:
            if not db.session.scalar(db.select(db.func.count(Question.id))):
                self.questions(3, type="single")
                self.questions(2, type="multiple")
            rules = [RuleSpec(count=3, type="single", points=2), RuleSpec(count=2, type="multiple", points=4)]
        kwargs.setdefault("title", f"测验{self._next()}")
        kwargs.setdefault("time_limit_seconds", 600)
        kwargs.setdefault("shuffle_questions", False)
        now = kwargs.pop("now", None) or utcnow()
        is_published = kwargs.pop("is_published", True)
        quiz = quizzes.create_quiz(quizzes.QuizSettings(**kwargs), rules, created_by, now, is_published=is_published)
        db.session.commit()
        return quiz


@pytest.fixture
def build(app) -> Builders:
    return Builders(app)


@pytest.fixture
def rng():
    return random.Random(42)


# ---------------------------------------------------------------- clients


class ApiClient:
    """Test client that speaks the JSON API with a bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(), **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self._headers(), **kw)


@pytest.fixture
def api(client):
    """api(user) -> ApiClient logged in as user through POST /api/v1/tokens."""

    def login(user: User | None = None, password: str = PASSWORD) -> ApiClient:
        if user is None:
            return ApiClient(client)
        response = client.post("/api/v1/tokens", json={"username": user.username, "password": password})
        assert response.status_code == 201, response.json
        return ApiClient(client, response.json["token"])

    return login


@pytest.fixture
def trainer(build, web_login):
    """A trainer (培训管理员), signed in on `client`."""
    user = build.user("trainer1", role="trainer", display_name="王培训")
    web_login(user)
    return user


@pytest.fixture
def admin(build, web_login):
    """An admin (系统管理员), signed in on `client`."""
    user = build.user("admin1", role="admin", display_name="管理员")
    web_login(user)
    return user


@pytest.fixture
def web_login(client):
    def login(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data.decode()
        return client

    return login


# ---------------------------------------------------------------- served app


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server
