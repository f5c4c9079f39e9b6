"""The unit tree operations (quiz/org/units.py) and the unit pages and API built on them."""

from __future__ import annotations

import random

import pytest

from quiz.errors import Conflict, ValidationFailed
from quiz.extensions import db
from quiz.models import AuditEntry, Unit, User
from quiz.org import units as unit_rules
from quiz.org.tree import load_tree
from quiz.services import accounts, attempts
from quiz.services.clock import now_utc


@pytest.fixture
def tree(build):
    """区 → 局 → 馆 → 部 and a sibling 局."""
    district = build.unit("区安委会", "区")
    bureau = unit_rules.create_unit("区文旅局", "局", 20, district)
    library = unit_rules.create_unit("区图书馆", "局属单位", 30, bureau)
    desk = unit_rules.create_unit("借阅部", "科室", 5, library)
    other = unit_rules.create_unit("区应急管理局", "局", 40, district)
    db.session.commit()
    return district, bureau, library, desk, other


def test_add_with_parent_and_free_kind_is_audited(build, tree):
    admin = build.user("root", role="admin")
    district = tree[0]
    unit = unit_rules.add_unit("东街街道", "街道", None, admin, now_utc(), parent=district)
    assert unit.parent is district and unit.kind == "街道"
    assert db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.target_id == unit.id)) == "unit.create"
    with pytest.raises(ValidationFailed):
        unit_rules.add_unit("长类型", "类" * 21, None, admin, now_utc())
    with pytest.raises(Conflict):
        unit_rules.add_unit("区图书馆", "科室", None, admin, now_utc())


def test_move_takes_people_and_subtree_and_refuses_cycles(build, tree):
    district, bureau, library, desk, other = tree
    person = build.user("reader", unit=desk)
    assert unit_rules.move_unit(library, other, None, now_utc())
    db.session.commit()
    fresh = load_tree()
    assert fresh.path(desk.id) == "区安委会 / 区应急管理局 / 区图书馆 / 借阅部"
    assert person.unit_id == desk.id and desk.id in fresh.subtree_ids(other.id)
    for bad_parent in (library, desk):  # itself, its own descendant
        with pytest.raises(ValidationFailed) as refused:
            unit_rules.move_unit(library, bad_parent, None, now_utc())
        assert refused.value.code == "unit_cycle"
    with pytest.raises(ValidationFailed):  # the cycle rule guards update_unit too
        unit_rules.update_unit(district, "区安委会", "区", None, None, now_utc(), parent=desk)
    assert unit_rules.move_unit(library, None, None, now_utc())  # to the top level
    assert library.parent_id is None


def test_merge_moves_people_and_children_then_deletes_the_source(build, tree):
    district, bureau, library, desk, other = tree
    person = build.user("mover", unit=library)
    user_id, library_id = person.id, library.id
    summary = unit_rules.merge_unit(library, other, None, now_utc())
    db.session.commit()
    assert summary["people"] == 1 and summary["children"] == 1
    assert db.session.get(Unit, library_id) is None
    assert db.session.get(User, user_id).unit_id == other.id
    assert db.session.get(Unit, desk.id).parent_id == other.id
    assert db.session.get(Unit, other.id).headcount == 70
    with pytest.raises(ValidationFailed):  # into its own descendant
        unit_rules.merge_unit(district, desk, None, now_utc())


def test_retire_and_restore_rules(build, tree):
    district, bureau, library, desk, other = tree
    with pytest.raises(Conflict):  # open sub-units
        unit_rules.retire_unit(library, None, now_utc())
    unit_rules.retire_unit(desk, None, now_utc())
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user("late", password_hash="x", unit=desk)
    assert "已停用" in refused.value.message
    with pytest.raises(ValidationFailed):  # nothing goes under a retired unit
        unit_rules.create_unit("新班组", "班组", None, desk)
    unit_rules.retire_unit(library, None, now_utc())
    with pytest.raises(Conflict):  # parent first
        unit_rules.restore_unit(desk, None, now_utc())
    unit_rules.restore_unit(library, None, now_utc())
    unit_rules.restore_unit(desk, None, now_utc())
    assert desk.retired_at is None


def test_delete_refused_with_children_people_or_attempts(build, tree):
    district, bureau, library, desk, other = tree
    with pytest.raises(Conflict) as refused:
        unit_rules.delete_unit(library, None, now_utc())
    assert refused.value.code == "unit_has_children"
    person = build.user("taker", unit=desk)
    with pytest.raises(Conflict) as refused:
        unit_rules.delete_unit(desk, None, now_utc())
    assert refused.value.code == "unit_has_people"
    quiz = build.quiz()
    attempts.start_attempt(person, quiz, now_utc(), random.Random(1))
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        unit_rules.delete_unit(desk, None, now_utc())
    assert refused.value.code == "unit_has_attempts"
    empty = build.unit("误建单位")
    unit_rules.delete_unit(empty, None, now_utc())
    assert unit_rules.get_unit_by_name("误建单位") is None


# ---------------------------------------------------------------- pages


def test_tree_page_is_indented_and_form_excludes_descendants(client, admin, tree):
    district, bureau, library, desk, other = tree
    html = client.get("/admin/units").data.decode()
    assert html.index("区安委会") < html.index("区文旅局") < html.index("区图书馆") < html.index("借阅部")
    assert f'data-unit-id="{desk.id}" data-depth="3"' in html and "区安委会 / 区文旅局 / 区图书馆 / 借阅部" in html
    form = client.get(f"/admin/units/{library.id}/edit").data.decode()
    select = form[form.index('name="parent_id"'):form.index("</select>", form.index('name="parent_id"'))]
    assert f'value="{bureau.id}"' in select and f'value="{desk.id}"' not in select and f'value="{library.id}"' not in select
    assert 'list="unit-kinds"' in form and "data-confirm" in form


def test_pages_move_and_refuse_in_chinese(client, admin, build, tree):
    district, bureau, library, desk, other = tree
    moved = client.post(f"/admin/units/{library.id}/edit", data={"name": "区图书馆", "kind": "局属单位",
                                                                  "headcount": "30", "parent_id": str(other.id)})
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, library.id).parent_id == other.id
    cycle = client.post(f"/admin/units/{library.id}/edit", data={"name": "区图书馆", "kind": "局属单位",
                                                                  "parent_id": str(desk.id)})
    assert cycle.status_code == 422 and "下级单位" in cycle.data.decode()
    build.user("stay", unit=desk)
    refused = client.post(f"/admin/units/{desk.id}/delete", follow_redirects=True).data.decode()
    assert "还有人员，不能删除" in refused and db.session.get(Unit, desk.id) is not None
    client.post(f"/admin/units/{desk.id}/retire")
    db.session.expire_all()
    assert db.session.get(Unit, desk.id).retired_at is not None
    assert "已停用" in client.get("/admin/units").data.decode()
    merged = client.post(f"/admin/units/{desk.id}/merge", data={"target_id": str(bureau.id)}, follow_redirects=True)
    assert "已把“借阅部”合并到“区文旅局”" in merged.data.decode()


def test_registration_leaves_retired_units_out(app, client, tree):
    app.config["ALLOW_REGISTRATION"] = True
    desk = tree[3]
    unit_rules.retire_unit(desk, None, now_utc())
    db.session.commit()
    html = client.get("/register").data.decode()
    assert "区图书馆" in html and "借阅部" not in html


def test_user_forms_offer_no_retired_unit_but_the_persons_own(client, admin, build, tree):
    desk = tree[3]
    member = build.user("jieyue", unit=desk)
    unit_rules.retire_unit(desk, None, now_utc())
    db.session.commit()
    new_form = client.get("/admin/users/new").data.decode()
    assert "区图书馆" in new_form and "借阅部" not in new_form
    edit_form = client.get(f"/admin/users/{member.id}/edit").data.decode()
    assert "借阅部" in edit_form  # the person's own unit stays selectable


# ---------------------------------------------------------------- API


def test_api_units_carry_parent_id(build, api, tree):
    district, bureau, library, desk, other = tree
    admin = build.user("apiadmin", role="admin")
    as_admin = api(admin)
    units = {unit["name"]: unit for unit in as_admin.get("/api/v1/units").json["units"]}
    assert units["借阅部"]["parent_id"] == library.id and units["区安委会"]["parent_id"] is None
    assert set(units["借阅部"]) >= {"id", "name", "kind", "headcount", "parent_id"}
    created = as_admin.post("/api/v1/units", json={"name": "流通组", "kind": "班组", "parent_id": desk.id})
    assert created.status_code == 201 and created.json["parent_id"] == desk.id
    unknown = as_admin.post("/api/v1/units", json={"name": "孤儿", "parent_id": 999999})
    assert unknown.status_code == 422 and unknown.json["error"] == "parent_not_found"
    unit_rules.retire_unit(db.session.get(Unit, created.json["id"]), None, now_utc())
    db.session.commit()
    retired = as_admin.post("/api/v1/units", json={"name": "孤儿", "parent_id": created.json["id"]})
    assert retired.status_code == 422 and retired.json["error"] == "parent_retired"
    assert as_admin.post("/api/v1/units", json={"name": "顶层"}).json["parent_id"] is None
