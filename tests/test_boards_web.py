"""Board pages, charts, exports, the summary, settings and the public big-screen display."""

from __future__ import annotations

import gzip
import io
import json
import re
import time

import pytest
from openpyxl import load_workbook

from quiz.auth_setup import PUBLIC_ENDPOINTS
from quiz.extensions import db
from quiz.models import BoardVersion, DisplayLink
from quiz.boards.display import DISPLAY_VERSION_SECONDS
from quiz.boards.links import mask_name

from boards_helpers import contest, take
from helpers import T0, StatementLog, minutes


@pytest.fixture
def board(build):
    quiz = contest(build)
    library = build.unit("区图书馆", headcount=4)
    museum = build.unit("区博物馆", headcount=2)
    build.unit("=HYPERLINK(\"http://x\")", headcount=3)  # a hostile unit name, for the exports
    users = {
        "zhang": build.user("zhangsan", unit=library, display_name="张三"),
        "li": build.user("lisi", unit=library, display_name="李小四"),
        "wang": build.user("wangwu", unit=museum, display_name="王五"),
    }
    take(users["zhang"], quiz, 9, at=T0)
    take(users["li"], quiz, 5, at=T0 + minutes(1))
    take(users["wang"], quiz, 10, at=T0 + minutes(2))
    return quiz, library, museum, users


def test_board_pages_need_login(client, board):
    quiz = board[0]
    for url in ["/boards/", f"/boards/quizzes/{quiz.id}/", f"/boards/quizzes/{quiz.id}/users",
                f"/boards/quizzes/{quiz.id}/print", f"/boards/quizzes/{quiz.id}/summary",
                f"/boards/quizzes/{quiz.id}/export.xlsx", f"/boards/quizzes/{quiz.id}/settings",
                f"/boards/quizzes/{quiz.id}/charts/daily.svg"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_manager_pages_refuse_employees(client, board, web_login):
    quiz, _, _, users = board
    web_login(users["zhang"])
    for url in [f"/boards/quizzes/{quiz.id}/summary", f"/boards/quizzes/{quiz.id}/export.xlsx",
                f"/boards/quizzes/{quiz.id}/summary.xlsx", f"/boards/quizzes/{quiz.id}/settings"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/boards/quizzes/{quiz.id}/metric", data={"ranking_metric": "composite"}).status_code == 403
    assert client.post(f"/boards/quizzes/{quiz.id}/links", data={"label": "x"}).status_code == 403


def test_unit_board_highlights_own_unit(client, board, web_login):
    quiz, library, museum, users = board
    web_login(users["zhang"])
    assert client.get("/boards/").headers["Location"].endswith(f"/boards/quizzes/{quiz.id}/")
    page = client.get(f"/boards/quizzes/{quiz.id}/").data.decode()
    rows = re.findall(r'<tr class="([^"]*)" data-unit-id="(\d+)"', page)
    assert [int(unit_id) for _, unit_id in rows][:2] == [museum.id, library.id]
    assert "mine" in rows[1][0] and "mine" not in rows[0][0]
    assert "本单位" in page and "按平均分排名" in page and "未参与" in page
    assert "排名规则" in page and "分数相同取用时最短" in page
    for name in ("participation", "scores", "daily"):
        assert f"/charts/{name}.svg?v=" in page


def test_individual_board_highlights_me_and_filters_by_unit(client, board, web_login):
    quiz, library, _, users = board
    web_login(users["li"])
    page = client.get(f"/boards/quizzes/{quiz.id}/users").data.decode()
    assert re.search(r"全局第 <b>3</b> 名 · 本单位第 <b>2</b> 名", page)
    table = page[page.index("<tbody>"):]
    assert table.index("王五") < table.index("张三") < table.index("李小四")
    assert re.search(r'<tr class="table-warning mine">\s*<td[^>]*><span class="rank-badge rank-3">3</span>', page)
    mine = client.get(f"/boards/quizzes/{quiz.id}/users?unit=mine").data.decode()
    assert "区图书馆 · 个人排名" in mine and "王五" not in mine and "共 2 人" in mine
    assert client.get(f"/boards/quizzes/{quiz.id}/users?unit={library.id}").data.decode().count("rank-badge") == 2
    assert client.get(f"/boards/quizzes/{quiz.id}/users?unit=9999").status_code == 404
    assert client.get(f"/boards/quizzes/{quiz.id}/users?unit=abc").status_code == 404


def test_pages_keep_the_csp(client, board, web_login, build):
    quiz = board[0]
    web_login(build.user("admin", role="admin"))
    for url in [f"/boards/quizzes/{quiz.id}/", f"/boards/quizzes/{quiz.id}/users", f"/boards/quizzes/{quiz.id}/print",
                f"/boards/quizzes/{quiz.id}/summary", f"/boards/quizzes/{quiz.id}/settings"]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.data.decode()
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url  # no inline script
        assert " style=" not in html and "<style" not in html, url
        assert "cdn" not in html.lower(), url


@pytest.mark.parametrize("name", ["participation", "scores", "daily"])
def test_charts_are_self_contained_svg(client, board, web_login, name):
    quiz = board[0]
    web_login(board[3]["zhang"])
    for theme in ("light", "dark"):
        response = client.get(f"/boards/quizzes/{quiz.id}/charts/{name}.svg?theme={theme}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        svg = response.data.decode()
        assert svg.startswith("<svg") and "<script" not in svg
        assert not re.search(r'(?:href|src)="https?://', svg)  # nothing fetched from outside
    assert client.get(f"/boards/quizzes/{quiz.id}/charts/other.svg").status_code == 404


def test_metric_setting_reranks_at_once(client, board, web_login, build):
    quiz, library, museum, _ = board
    web_login(build.user("trainer", role="trainer"))
    assert client.get(f"/boards/quizzes/{quiz.id}/settings").status_code == 200
    before = client.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/units").json
    assert before["metric"] == "average_score"
    response = client.post(f"/boards/quizzes/{quiz.id}/metric", data={"ranking_metric": "participation_rate"})
    assert response.status_code == 302
    after = client.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/units").json
    assert after["metric"] == "participation_rate"
    assert client.post(f"/boards/quizzes/{quiz.id}/metric", data={"ranking_metric": "bogus"}).status_code == 302
    db.session.refresh(quiz)
    assert quiz.ranking_metric == "participation_rate"


def test_exports_are_formula_safe(client, board, web_login, build):
    quiz = board[0]
    web_login(build.user("trainer", role="trainer"))
    response = client.get(f"/boards/quizzes/{quiz.id}/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["单位排名", "个人排名", "排名规则"]
    units = [[cell.value for cell in row] for row in book["单位排名"].iter_rows()]
    assert units[0][:3] == ["排名", "单位", "类型"]
    assert units[1][:2] == [1, "区博物馆"] and units[1][6] == 0.5 and units[1][7] == 100
    hostile = next(row for row in units if "HYPERLINK" in str(row[1]))
    assert hostile[1] == "'=HYPERLINK(\"http://x\")" and hostile[0] == "未参与"
    people = [[cell.value for cell in row] for row in book["个人排名"].iter_rows()]
    assert [row[2] for row in people[1:]] == ["王五", "张三", "李小四"]
    assert people[1][7] == "2026-06-10 10:04:00"

    summary = client.get(f"/boards/quizzes/{quiz.id}/summary.xlsx")
    book = load_workbook(io.BytesIO(summary.data))
    assert book.sheetnames == ["总体情况", "单位排名", "成绩分布", "每日参与", "排名规则"]
    overview = {row[0].value: row[1].value for row in book["总体情况"].iter_rows(min_row=2)}
    assert overview["参与人数"] == 3 and overview["应参与人数"] == 9 and overview["满分人数"] == 1
    bands = [[c.value for c in row] for row in book["成绩分布"].iter_rows(min_row=2)]
    assert [row[1] for row in bands] == [1, 0, 0, 0, 1, 1]


def test_summary_page(client, board, web_login, build):
    quiz = board[0]
    web_login(build.user("admin", role="admin"))
    page = client.get(f"/boards/quizzes/{quiz.id}/summary").data.decode()
    assert "活动总结" in page and "一、总体情况" in page and "3 人参加答题" in page
    assert "尚有 1 个单位无人参与" in page
    assert page.count('class="img-fluid chart-img') == 3


def test_print_page(client, board, web_login):
    quiz = board[0]
    web_login(board[3]["wang"])
    page = client.get(f"/boards/quizzes/{quiz.id}/print").data.decode()
    assert "排行榜" in page and "data-print" in page and "个人排名（前 3 名，共 3 人）" in page


# ---------------------------------------------------------------- the public display


def _create_link(client, quiz, label="一楼大厅 LED", mask="on"):
    page = client.post(f"/boards/quizzes/{quiz.id}/links", data={"label": label, "mask_names": mask}).data.decode()
    match = re.search(r'value="(http://[^"]+/boards/display/([^"]+))"', page)
    assert match, page
    return match.group(1), match.group(2)


def test_display_link_lifecycle(client, board, web_login, build, app):
    quiz = board[0]
    admin = build.user("admin", role="admin")
    web_login(admin)
    url, token = _create_link(client, quiz)
    link = db.session.scalar(db.select(DisplayLink))
    assert link.token_hash != token and token not in link.token_hash and link.mask_names
    assert token not in client.get(f"/boards/quizzes/{quiz.id}/settings").data.decode()  # shown once
    client.post("/logout")

    page = client.get(f"/boards/display/{token}")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.data.decode()
    assert "王*" in html and "王五" not in html and "李*四" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html
    data = client.get(f"/boards/display/{token}/data").json
    assert [u["display_name"] for u in data["users"]] == ["王*", "张*", "李*四"]
    assert data["units"][0]["unit"] == "区博物馆" and data["summary"]["participants"] == 3
    assert "user_id" not in data["users"][0]
    chart = client.get(data["charts"]["participation"])
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert "Set-Cookie" not in client.get(f"/boards/display/{token}/data").headers

    web_login(admin)
    assert client.post(f"/boards/links/{link.id}/mask").status_code == 302
    client.post("/logout")
    assert [u["display_name"] for u in client.get(f"/boards/display/{token}/data").json["users"]][0] == "王五"

    web_login(admin)
    assert client.post(f"/boards/links/{link.id}/revoke").status_code == 302
    client.post("/logout")
    for path in ("", "/data", "/charts/daily.svg"):
        assert client.get(f"/boards/display/{token}{path}").status_code == 404
    assert client.get("/boards/display/not-a-token/data").status_code == 404


def test_display_shows_new_results_on_next_fetch(client, board, web_login, build):
    quiz, library, _, _ = board
    web_login(build.user("admin", role="admin"))
    _, token = _create_link(client, quiz, mask="off")
    client.post("/logout")
    assert len(client.get(f"/boards/display/{token}/data").json["users"]) == 3
    take(build.user(unit=library, display_name="赵六"), quiz, 10, at=T0 + minutes(3), seconds=60)
    users = client.get(f"/boards/display/{token}/data").json["users"]
    assert users[0]["display_name"] == "赵六" and len(users) == 4


def test_screens_read_the_database_by_time_not_by_poll(client, board, web_login, build, app, monkeypatch):
    """However many screens poll, a worker reads the board version once per DISPLAY_VERSION_SECONDS and
    the link only when that version moved: a link revoked by another process stops within that time."""
    quiz = board[0]
    web_login(build.user("admin", role="admin"))
    _, token = _create_link(client, quiz)
    client.post("/logout")
    clock = [time.time()]
    monkeypatch.setattr(app.extensions["board_cache"], "clock", lambda: clock[0])
    assert client.get(f"/boards/display/{token}/data").status_code == 200  # warm
    with StatementLog() as log:
        for step in range(20):
            clock[0] += (DISPLAY_VERSION_SECONDS - 0.5) / 20
            assert client.get(f"/boards/display/{token}/data" + ("" if step % 2 else "?parent=")).status_code == 200
    assert log.statements == []

    # another process revokes the link: its version bump is the only thing this one reads
    link = db.session.scalar(db.select(DisplayLink))
    db.session.execute(db.update(DisplayLink).where(DisplayLink.id == link.id).values(revoked_at=T0))
    db.session.execute(db.update(BoardVersion).where(BoardVersion.quiz_id == quiz.id)
                       .values(version=BoardVersion.version + 1))
    db.session.commit()
    assert client.get(f"/boards/display/{token}/data").status_code == 200  # within the accepted age
    clock[0] += 1
    with StatementLog() as log:
        assert client.get(f"/boards/display/{token}/data").status_code == 404
        assert client.get(f"/boards/display/{token}/data").status_code == 404
    assert log.count("board_version") == 2 and log.count("FROM board_display_link") == 1


def test_screens_rebuild_their_bodies_from_memory_after_a_refresh(client, board, web_login, build):
    """After a submit, the first screen's poll recomputes the boards; the other links' bodies are built
    from what is cached (the quiz's title and campaign slide included): each reads only its link."""
    quiz, library, _, _ = board
    web_login(build.user("admin", role="admin"))
    tokens = [_create_link(client, quiz, label=f"屏{n}", mask=("on", "off")[n % 2])[1] for n in range(3)]
    client.post("/logout")
    for token in tokens:
        assert client.get(f"/boards/display/{token}/data").status_code == 200
    take(build.user(unit=library, display_name="赵六"), quiz, 10, at=T0 + minutes(3), seconds=60)
    assert client.get(f"/boards/display/{tokens[0]}/data").json["users"][0]["display_name"] == "赵*"
    with StatementLog() as log:
        bodies = [client.get(f"/boards/display/{token}/data").json for token in tokens[1:]]
    assert [body["users"][0]["display_name"] for body in bodies] == ["赵六", "赵*"]
    reads = [statement for statement in log.statements if not statement.startswith("BEGIN")]  # SQLite's own
    assert bodies[0]["quiz"] == quiz.title and len(reads) == 2
    assert all("FROM board_display_link" in statement for statement in reads)


def test_screens_that_accept_gzip_get_a_body_compressed_once_per_board(client, board, web_login, build, monkeypatch):
    """A browser (every big screen) accepts gzip: the body is compressed when the board changes, not
    on each poll (per-poll compression tripled a warm request's cost); a client without gzip gets it plain."""
    quiz, library, _, _ = board
    web_login(build.user("admin", role="admin"))
    token = _create_link(client, quiz)[1]
    client.post("/logout")
    for n in range(30):  # a body long enough to be worth compressing
        take(build.user(unit=library, display_name=f"读者{n}"), quiz, 10, at=T0 + minutes(3), seconds=60 + n)
    compressions = []
    real_compress = gzip.compress

    def counting_compress(data, *args, **kwargs):
        compressions.append(len(data))
        return real_compress(data, *args, **kwargs)

    monkeypatch.setattr(gzip, "compress", counting_compress)
    url = f"/boards/display/{token}/data"
    plain = client.get(url)
    assert plain.headers.get("Content-Encoding") is None and len(plain.data) >= 500
    responses = [client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) for _ in range(3)]
    assert all(r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"] for r in responses)
    assert all(json.loads(gzip.decompress(r.data)) == plain.json for r in responses)
    assert compressions == [len(plain.data)]
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.headers.get("Content-Encoding") is None and refused.json == plain.json


def test_only_admins_manage_links(client, board, web_login, build):
    quiz = board[0]
    web_login(build.user("trainer", role="trainer"))
    assert client.post(f"/boards/quizzes/{quiz.id}/links", data={"label": "x"}).status_code == 403
    assert "大屏展示链接" not in client.get(f"/boards/quizzes/{quiz.id}/settings").data.decode()


def test_public_endpoints_are_only_the_display():
    boards_public = {name for name in PUBLIC_ENDPOINTS if name.startswith("quiz.boards")}
    assert boards_public == {"quiz.boards.display.display", "quiz.boards.display.display_data",
                             "quiz.boards.display.display_chart"}


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"),
                                              ("王", "*"), ("", ""), ("Alice", "A***e")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked
