"""Board pages after a change, with the production setting of refreshing stale boards in a
background thread: the first view already shows the change (issue 13: the unit table was
stale on its first view after a unit was added while the chart beside it was fresh)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import close_all_sessions

from quiz.extensions import db
from quiz.services import accounts

from boards_helpers import contest, take


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOARD_BACKGROUND_REFRESH": True}


@pytest.fixture
def refreshing(app):
    yield app.extensions["board_cache"]
    app.extensions["board_cache"].runner.join()
    close_all_sessions()


def unit_rows(page: str) -> list[int]:
    return [int(unit_id) for unit_id in re.findall(r'<tr class="[^"]*" data-unit-id="(\d+)"', page)]


def test_unit_board_shows_a_new_unit_on_its_first_view(build, client, web_login, refreshing):
    quiz = contest(build)
    library = build.unit("区图书馆", headcount=5)
    take(build.user(unit=library), quiz, 8)
    web_login(build.user("trainer1", role="trainer", unit=library))
    first = client.get(f"/boards/quizzes/{quiz.id}/").data.decode()
    assert library.id in unit_rows(first)
    added = accounts.create_unit("区非遗保护中心", "局属单位", 12)
    db.session.commit()
    page = client.get(f"/boards/quizzes/{quiz.id}/").data.decode()
    assert added.id in unit_rows(page) and "区非遗保护中心" in page


def test_individual_board_shows_a_new_result_on_its_first_view(build, client, web_login, refreshing):
    quiz = contest(build)
    library = build.unit("区图书馆", headcount=5)
    take(build.user(display_name="王五", unit=library), quiz, 8)
    me = build.user("zhangsan", display_name="张三", unit=library)
    web_login(me)
    assert "张三" not in client.get(f"/boards/quizzes/{quiz.id}/users").data.decode().split("<tbody>")[1]
    take(me, quiz, 9)  # the employee submits, then opens the board from the result page
    page = client.get(f"/boards/quizzes/{quiz.id}/users").data.decode()
    assert re.search(r"全局第 <b>1</b> 名", page)
