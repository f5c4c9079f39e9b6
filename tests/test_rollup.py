"""Boards rolled up over the unit tree: subtree figures, levels on the web, the API, the big screen and the cache."""

from __future__ import annotations

import io
import re
from dataclasses import fields

import pytest
from openpyxl import load_workbook

from quiz.boards.cache import STANDINGS, _encode_standings, cached_units, read_board_version
from quiz.boards.links import create_display_link
from quiz.boards.rankings import UnitStanding, child_standings, get_standings
from quiz.errors import NotFound
from quiz.extensions import db
from quiz.models import Unit

from boards_helpers import contest, take
from helpers import T0, minutes


@pytest.fixture
def tree(build):
    """区 (编制 5) → 局A (编制未填) → 科1 (3), 科2 (2, nobody took part), 科R (2, retired);
    区 → 局B (4, nobody took part); 其他 (2) at the top as well.  Scores out of 100."""
    quiz = contest(build)
    units = {name: build.unit(name, headcount=headcount) for name, headcount in
             [("区", 5), ("局A", None), ("局B", 4), ("科1", 3), ("科2", 2), ("科R", 2), ("其他", 2)]}
    for child, parent in [("局A", "区"), ("局B", "区"), ("科1", "局A"), ("科2", "局A"), ("科R", "局A")]:
        units[child].parent_id = units[parent].id
    db.session.commit()
    people = {name: build.user(name, unit=units[unit]) for name, unit in
              [("p1", "区"), ("p2", "科1"), ("p3", "科1"), ("p4", "局A"), ("p5", "科R"), ("p6", "其他")]}
    units["科R"].retired_at = T0 - minutes(60)  # retired after its people joined (a retired unit takes no one new)
    db.session.commit()
    take(people["p1"], quiz, 8, at=T0)
    take(people["p1"], quiz, 4, at=T0 + minutes(5))  # a second, worse attempt: p1 still counts once
    take(people["p2"], quiz, 9, at=T0 + minutes(1))
    take(people["p3"], quiz, 5, at=T0 + minutes(2))
    take(people["p4"], quiz, 7, at=T0 + minutes(3))
    take(people["p5"], quiz, 10, at=T0 + minutes(4))
    take(people["p6"], quiz, 6, at=T0 + minutes(6))
    return quiz, units, people


def _by_name(rows):
    return {row.unit: row for row in rows}


def test_subtree_figures_at_every_level(tree):
    quiz, units, _ = tree
    standings = get_standings(quiz, T0 + minutes(30))
    top = child_standings(standings, None)
    assert [(row.unit, row.rank) for row in top] == [("区", 1), ("其他", 2)]
    district = _by_name(top)["区"]
    # 编制人数 summed over the subtree: 区 5 + 局A (unset: its 1 enabled member) + 科1 3 + 科2 2 + 科R 2 + 局B 4
    assert district.headcount == 17 and not district.headcount_is_set
    # everyone once (p1 took two attempts), the retired unit's p5 included
    assert district.participants == 5
    assert district.average_score == 78.0  # (80 + 90 + 50 + 70 + 100) / 5, over people
    assert district.pass_rate == 0.8 and district.full_marks == 1
    assert district.participation_rate == round(5 / 17, 4)
    assert district.children == 2

    below_district = child_standings(standings, units["区"].id)
    assert [(row.unit, row.rank) for row in below_district] == [("局A", 1), ("局B", None)]  # empty subtree last
    bureau = below_district[0]
    assert (bureau.headcount, bureau.participants) == (8, 4)
    # over its four people, not the average of 局A 70, 科1 70 and 科R 100 (80)
    assert bureau.average_score == 77.5
    assert bureau.children == 2  # 科R is retired
    empty = below_district[1]
    assert (empty.participants, empty.average_score, empty.pass_rate, empty.headcount) == (0, None, None, 4)

    sections = child_standings(standings, units["局A"].id)
    assert [(row.unit, row.rank) for row in sections] == [("科1", 1), ("科2", None)]  # 科R left out
    assert (sections[0].participants, sections[0].average_score, sections[0].pass_rate) == (2, 70.0, 0.5)
    assert child_standings(standings, units["科1"].id) == []

    with pytest.raises(NotFound):
        child_standings(standings, 999_999)
    # a Quiz works as well as standings
    assert child_standings(quiz, units["区"].id, T0) == below_district


def test_flat_board_unchanged_but_without_retired_units(tree):
    quiz, units, _ = tree
    standings = get_standings(quiz, T0 + minutes(30))
    flat = _by_name(standings.units)
    assert "科R" not in flat
    # own figures only, as before the tree
    assert (flat["区"].participants, flat["区"].average_score, flat["区"].headcount) == (1, 80.0, 5)
    assert (flat["局A"].participants, flat["局A"].headcount) == (1, 1)
    assert [row.unit for row in standings.units if row.rank is None] == ["局B", "科2"]
    # the summary still counts the retired unit's people
    assert standings.summary.participants == 6 and standings.summary.unit_participants == 6
    assert standings.summary.headcount == 19


def test_the_ranking_rule_is_the_metric_at_every_level(tree, build):
    quiz, units, _ = tree
    quiz.ranking_metric = "participation_rate"
    db.session.commit()
    top = child_standings(get_standings(quiz, T0), None)
    # 其他 1/2 = 50 % beats 区 5/17
    assert [(row.unit, row.rank) for row in top] == [("其他", 1), ("区", 2)]


def test_web_board_levels_with_breadcrumb_and_drill_down(client, tree, web_login, build):
    quiz, units, people = tree
    web_login(people["p2"])
    url = f"/boards/quizzes/{quiz.id}/"
    flat = client.get(url).get_data(as_text=True)
    assert "?parent=top" in flat and "breadcrumb" not in flat

    top = client.get(url + "?parent=top").get_data(as_text=True)
    assert 'aria-label="单位层级"' in top and f'?parent={units["区"].id}' in top
    assert "其他" in top and "局A" not in top

    page = client.get(url + f"?parent={units['区'].id}").get_data(as_text=True)
    crumbs = re.search(r'<ol class="breadcrumb.*?</ol>', page, re.S).group(0)
    assert f'href="/boards/quizzes/{quiz.id}/"' in crumbs and "?parent=top" in crumbs
    assert 'aria-current="page">区<' in crumbs
    assert f'href="/boards/quizzes/{quiz.id}/?parent={units["局A"].id}"' in page  # 局A has children
    assert f'?parent={units["局B"].id}' not in page  # 局B has none: no drill-down link
    assert "17" in page and "78" in page  # the parent's subtree figures

    deeper = client.get(url + f"?parent={units['局A'].id}").get_data(as_text=True)
    crumbs = re.search(r'<ol class="breadcrumb.*?</ol>', deeper, re.S).group(0)
    assert f'href="/boards/quizzes/{quiz.id}/?parent={units["区"].id}">区</a>' in crumbs
    assert 'aria-current="page">局A<' in crumbs
    assert "科1" in deeper and "科2" in deeper and "科R" not in deeper
    # the print page and the export links carry the level
    assert f'/boards/quizzes/{quiz.id}/print?parent={units["局A"].id}' in deeper

    assert client.get(url + "?parent=999999").status_code == 404
    assert client.get(url + "?parent=abc").status_code == 200  # junk: the flat board, as other filters
    assert client.get(url + "?parent=99999999999999").status_code == 400

    printed = client.get(f"/boards/quizzes/{quiz.id}/print?parent={units['局A'].id}").get_data(as_text=True)
    assert "区 / 局A 的下级单位" in printed and "科2" in printed and "其他" not in printed.split("个人排名")[0]


def test_export_honours_the_level(client, tree, web_login, build):
    quiz, units, _ = tree
    web_login(build.user("trainer", role="trainer"))
    response = client.get(f"/boards/quizzes/{quiz.id}/export.xlsx?parent={units['区'].id}")
    book = load_workbook(io.BytesIO(response.data))
    rows = [[cell.value for cell in row] for row in book["单位排名"].iter_rows(min_row=2)]
    assert [(row[0], row[1], row[3], row[5]) for row in rows] == [(1, "局A", 8, 4), ("未参与", "局B", 4, 0)]
    rules = [row[0].value for row in book["排名规则"].iter_rows()]
    assert "单位层级：区 的下级单位（含下级单位合计）" in rules
    flat = load_workbook(io.BytesIO(client.get(f"/boards/quizzes/{quiz.id}/export.xlsx").data))
    assert len(list(flat["单位排名"].iter_rows(min_row=2))) == 6


def test_api_parent_id(api, tree):
    quiz, units, people = tree
    session = api(people["p1"])
    url = f"/api/v1/quizzes/{quiz.id}/leaderboard/units"
    flat = session.get(url).json
    assert len(flat["units"]) == 6
    level = session.get(url, query_string={"parent_id": units["区"].id})
    assert level.status_code == 200
    body = level.json
    assert set(body) == {"metric", "updated_at", "units"}
    assert body["units"][0] == {
        "rank": 1, "unit_id": units["局A"].id, "unit": "局A", "headcount": 8, "participants": 4,
        "participation_rate": 0.5, "average_score": 77.5, "pass_rate": 0.75, "full_marks": 1,
    }
    assert body["units"][1]["rank"] is None and body["units"][1]["unit"] == "局B"
    assert set(body["units"][0]) == set(flat["units"][0])  # the same fields as the flat board

    missing = session.get(url, query_string={"parent_id": 999_999})
    assert missing.status_code == 404 and missing.json["error"] == "unit_not_found"
    for bad in ["abc", "0", "1.5", str(2**40)]:
        response = session.get(url, query_string={"parent_id": bad})
        assert response.status_code == 422 and "error" in response.json, bad


def test_cache_follows_a_moved_or_retired_unit(app, api, tree):
    quiz, units, people = tree
    session = api(people["p1"])
    url = f"/api/v1/quizzes/{quiz.id}/leaderboard/units"
    district = {"parent_id": units["区"].id}
    before = {row["unit"]: row for row in session.get(url, query_string=district).json["units"]}
    assert before["局A"]["participants"] == 4 and before["局B"]["participants"] == 0
    version = read_board_version(quiz.id)

    unit = db.session.get(Unit, units["科1"].id)
    unit.parent_id = units["局B"].id  # moved under 局B directly, as any code path might
    db.session.commit()
    assert read_board_version(quiz.id) > version
    after = {row["unit"]: row for row in session.get(url, query_string=district).json["units"]}
    assert after["局B"]["participants"] == 2 and after["局A"]["participants"] == 2
    assert [row["unit"] for row in session.get(url, query_string={"parent_id": units["局B"].id}).json["units"]] == ["科1"]

    unit = db.session.get(Unit, units["科2"].id)
    unit.retired_at = T0
    db.session.commit()
    below = session.get(url, query_string={"parent_id": units["局A"].id}).json["units"]
    assert below == []  # 科2 retired, 科1 moved, 科R retired
    assert app.extensions["board_cache"].computations[f"{quiz.id}:units"] >= 3


def test_entries_cached_before_the_tree_still_decode(app, tree):
    quiz, units, _ = tree
    direct = get_standings(quiz, T0)
    old = _encode_standings(direct)
    del old["rollup"], old["retired"]
    added = len(fields(UnitStanding)) - 2  # parent_id and children did not exist
    old["units"] = [row[:added] for row in old["units"]]
    decoded = STANDINGS.decode(old)
    assert [row.unit for row in decoded.units] == [row.unit for row in direct.units]
    assert decoded.units[0].parent_id is None and decoded.rollup is None
    # a level asked of such an entry is computed afresh
    assert child_standings(decoded, units["区"].id) == child_standings(direct, units["区"].id)
    # and new entries round-trip with their tree
    round_trip = STANDINGS.decode(STANDINGS.encode(direct))
    assert round_trip.rollup == direct.rollup and round_trip.retired == direct.retired
    assert round_trip.path(units["局A"].id)[0].unit == "区"
    with pytest.raises(ValueError):
        STANDINGS.decode({**old, "units": [row[:3] for row in old["units"]]})


def test_big_screen_shows_any_level(client, tree, build):
    quiz, units, _ = tree
    token, _ = create_display_link(quiz, "大厅", created_by=None, now=T0)
    db.session.commit()
    page = client.get(f"/boards/display/{token}?parent={units['区'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/data?parent={units['区'].id}" in html and "display-level" in html
    data = client.get(f"/boards/display/{token}/data?parent={units['区'].id}").json
    assert [row["unit"] for row in data["units"]] == ["局A", "局B"]
    assert data["summary"]["participants"] == 5 and data["summary"]["headcount"] == 17
    assert data["level"] == "区"
    assert len(data["users"]) == 5  # the people of the subtree only (p6 of 其他 is not)
    flat = client.get(f"/boards/display/{token}/data").json
    assert len(flat["units"]) == 6 and flat["level"] is None and len(flat["users"]) == 6
    assert client.get(f"/boards/display/{token}/data?parent=999999").status_code == 404
    # cached_units is shared: the flat entry's tree answers every level without recomputing
    cache = client.application.extensions["board_cache"]
    assert cache.computations[f"{quiz.id}:units"] == 1
    assert cached_units(cache, quiz.id, T0).value.rolled(units["区"].id).participants == 5
