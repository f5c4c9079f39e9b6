"""The unit of work (quiz.database): one transaction per request, committed once by the app."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from quiz.database import atomic, reads_first, write_block
from quiz.errors import Conflict
from quiz.extensions import db
from quiz.models import Unit
from quiz.services import accounts

from helpers import ROOT


@pytest.fixture
def probe(app):
    """Test-only views on the app under test, registered before its first request."""

    @app.post("/_test/write-then-return")
    def write_then_return():
        accounts.create_unit("返回后提交", "科室", 3)
        return "ok"

    @app.post("/_test/write-then-fail")
    def write_then_fail():
        accounts.create_unit("出错回滚", "科室", 3)
        raise Conflict("refused")

    @app.post("/_test/write-then-crash")
    def write_then_crash():
        accounts.create_unit("崩溃回滚", "科室", 3)
        raise RuntimeError("boom")

    @app.post("/_test/refusal-shown")
    def refusal_shown():
        accounts.create_unit("保留", "科室", 3)
        try:
            with atomic():
                accounts.create_unit("被拒绝", "科室", 3)
                raise Conflict("refused")
        except Conflict:
            pass
        return "shown"

    @app.post("/_test/reads-first")
    @reads_first
    def read_first():
        db.session.scalar(select(Unit.id).limit(1))
        with write_block():
            accounts.create_unit("写入块", "科室", 3)
        return "ok"

    return app


def _unit_names() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Unit.name)))


def test_a_view_that_returns_is_committed_without_calling_commit(probe, client):
    assert client.post("/_test/write-then-return").status_code == 200
    assert "返回后提交" in _unit_names()


@pytest.mark.parametrize("path, status", [("/_test/write-then-fail", 409), ("/_test/write-then-crash", 500)])
def test_a_view_that_raises_leaves_nothing_behind(probe, client, path, status):
    assert client.post(path).status_code == status
    assert _unit_names().isdisjoint({"出错回滚", "崩溃回滚"})


def test_a_refusal_shown_on_the_page_undoes_only_the_refused_operation(probe, client):
    assert client.post("/_test/refusal-shown").data == b"shown"
    names = _unit_names()
    assert "保留" in names and "被拒绝" not in names


def test_transactions_start_as_writers_only_where_the_request_may_write(probe, client, build):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database: every transaction is a plain BEGIN")
    user = build.user()
    begins: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.post("/_test/write-then-return")
        assert begins == ["BEGIN IMMEDIATE"]
        begins.clear()
        client.get("/api/v1/units", headers={"Authorization": "Bearer nope"})
        assert begins == ["BEGIN"]
        begins.clear()
        client.post("/_test/reads-first")
        assert begins == ["BEGIN", "BEGIN IMMEDIATE"]  # the read, then the write block
        assert "写入块" in _unit_names()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert user.id


def test_a_write_block_refuses_to_start_over_unflushed_changes(app):
    db.session.add(Unit(name="未刷新", kind="科室", headcount=1))
    with pytest.raises(RuntimeError):
        with write_block():
            pass
    db.session.rollback()


def test_no_view_module_commits_or_rolls_back():
    """The boundary is the only place that ends a request's transaction."""
    offenders = []
    for path in (ROOT / "quiz").rglob("*.py"):
        if path.name in ("database.py", "cli.py", "errors.py") or path == ROOT / "quiz" / "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "session.commit()" in text or "session.rollback()" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
