"""个人培训档案 and 单位培训台账 over HTTP: pages, PDF, .xlsx, the API's shapes, who may see what,
corrections from the page, requirements admin, 岗位类别 on users, and no 500 on garbage."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from quiz.extensions import db
from quiz.models import AuditEntry, TrainingCorrection, TrainingRequirement, User
from quiz.records import requirements

from helpers import T0, xlsx_file
from test_records import completion, session


@pytest.fixture
def org(build, app):
    """文旅局 > (区图书馆 > 借阅部, 区文化馆), a manager for each, an employee in 借阅部."""
    requirements.install_default_requirements(T0)
    db.session.commit()
    bureau = build.unit("文旅局", kind="局")
    library = build.unit("区图书馆", kind="图书馆")
    desk = build.unit("借阅部", kind="科室")
    centre = build.unit("区文化馆", kind="文化馆")
    library.parent_id = centre.parent_id = bureau.id
    desk.parent_id = library.id
    db.session.commit()
    people = {
        "employee": build.user("emp", unit=desk, display_name="张三"),
        "other": build.user("emp2", unit=centre, display_name="李四"),
        "library_manager": build.user("libm", role="manager", unit=library),
        "centre_manager": build.user("cenm", role="manager", unit=centre),
        "bureau_manager": build.user("burm", role="manager", unit=bureau),
        "trainer": build.user("tr", role="trainer"),
        "admin": build.user("ad", role="admin"),
    }
    completion(people["employee"], hours=1.5)
    session([people["employee"]], hours=2)
    return {"units": {"bureau": bureau, "library": library, "desk": desk, "centre": centre}, **people}


@pytest.mark.parametrize("who, status", [("employee", 200), ("other", 403), ("library_manager", 200),
                                         ("centre_manager", 403), ("bureau_manager", 200), ("trainer", 200), ("admin", 200)])
def test_record_access_matrix(org, client, web_login, api, who, status):
    web_login(org[who])
    person = org["employee"].id
    for url in (f"/records/users/{person}?year=2026", f"/records/users/{person}/record.pdf?year=2026",
                f"/records/users/{person}/record.xlsx?year=2026"):
        assert client.get(url).status_code == status, url
    response = api(org[who]).get(f"/api/v1/users/{person}/training-record?year=2026")
    assert response.status_code == status
    if status == 403:
        assert response.json["error"]


@pytest.mark.parametrize("who, status", [("employee", 403), ("library_manager", 200), ("centre_manager", 403),
                                         ("bureau_manager", 200), ("trainer", 200), ("admin", 200)])
def test_ledger_access_matrix(org, client, web_login, api, who, status):
    web_login(org[who])
    unit = org["units"]["library"].id
    assert client.get(f"/records/units/{unit}?year=2026").status_code == status
    assert client.get(f"/records/units/{unit}/ledger.xlsx?year=2026").status_code == status
    assert api(org[who]).get(f"/api/v1/units/{unit}/training-compliance?year=2026").status_code == status


def test_my_record_page_shows_hours_and_requirements(org, client, web_login):
    web_login(org["employee"])
    page = client.get("/records/me?year=2026").get_data(as_text=True)
    assert "我的培训档案" in page and "张三" in page and "消防安全微课堂" in page
    assert 'id="record-total-hours">3.5<' in page
    assert "消防安全培训（每年至少一次）" in page and "更正档案" not in page  # no corrections by oneself
    assert "我的培训档案" in client.get("/learning/").get_data(as_text=True)


def test_record_api_shape(org, api):
    body = api(org["employee"]).get(f"/api/v1/users/{org['employee'].id}/training-record?year=2026").json
    assert set(body) == {"user", "year", "total_hours", "requirements", "entries"}
    assert body["year"] == 2026 and body["total_hours"] == 3.5
    assert body["user"]["display_name"] == "张三" and body["user"]["position"] == "从业人员"
    assert {"name", "required", "done", "met"} <= set(body["requirements"][0])
    assert [e["kind"] for e in body["entries"]] == ["course", "session"]
    assert {"date", "kind", "title", "hours", "result"} <= set(body["entries"][0])
    assert body["entries"][0]["date"].endswith("+08:00")


def test_compliance_api_shape(org, api):
    body = api(org["admin"]).get(f"/api/v1/units/{org['units']['bureau'].id}/training-compliance?year=2026").json
    assert body["unit_id"] == org["units"]["bureau"].id and body["year"] == 2026
    people = {p["display_name"]: p for p in body["people"]}
    assert set(people) >= {"张三", "李四"}
    assert people["张三"] == {"user_id": org["employee"].id, "display_name": "张三", "hours": 3.5, "met": True}
    assert people["李四"]["met"] is False  # 文化馆: a 公众聚集场所, no fire-safety training yet


@pytest.mark.parametrize("query", ["year=abc", "year=1999", "year=2100", "year=20260", "year=-1"])
def test_bad_years_are_422_never_500(org, client, web_login, api, query):
    web_login(org["admin"])
    person, unit = org["employee"].id, org["units"]["library"].id
    for url in (f"/records/users/{person}?{query}", f"/records/units/{unit}?{query}",
                f"/records/users/{person}/record.pdf?{query}", f"/records/units/{unit}/ledger.xlsx?{query}"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert "年份" in response.get_data(as_text=True)
    caller = api(org["admin"])
    for url in (f"/api/v1/users/{person}/training-record?{query}", f"/api/v1/units/{unit}/training-compliance?{query}"):
        response = caller.get(url)
        assert response.status_code == 422 and response.is_json, url


def test_unknown_ids_are_404(org, client, web_login, api):
    web_login(org["admin"])
    for url in ("/records/users/999999", "/records/units/999999", "/records/users/99999999999999",
                "/records/requirements/999999/edit"):
        assert client.get(url).status_code == 404, url
    caller = api(org["admin"])
    assert caller.get("/api/v1/users/999999/training-record").status_code == 404
    assert caller.get("/api/v1/units/999999/training-compliance").status_code == 404


def test_ledger_page_filters_those_behind_and_exports(org, client, web_login):
    web_login(org["admin"])
    unit = org["units"]["bureau"].id
    page = client.get(f"/records/units/{unit}?year=2026").get_data(as_text=True)
    assert "张三" in page and "李四" in page
    behind = client.get(f"/records/units/{unit}?year=2026&behind=1").get_data(as_text=True)
    assert "李四" in behind and ">张三<" not in behind
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/records/units/{unit}/ledger.xlsx?year=2026").data))
    rows = list(book.active.values)
    assert rows[0][:5] == ("单位", "姓名", "用户名", "岗位类别", "学时") and rows[0][-1] == "是否达标"
    zhang = next(r for r in rows if r[1] == "张三")
    assert zhang[4] == 3.5 and zhang[-1] == "达标"


def test_manager_goes_to_their_unit_and_sees_the_tab(org, client, web_login):
    web_login(org["library_manager"])
    response = client.get("/records/units?year=2026")
    assert response.status_code == 302 and f"/records/units/{org['units']['library'].id}" in response.location
    assert "培训台账" in client.get("/org/people").get_data(as_text=True)


def test_correction_from_the_page(org, client, web_login):
    web_login(org["library_manager"])
    person = org["employee"]
    form = {"action": "add", "entry": "", "entry_date": "2026-03-05", "title": "纸质培训：灭火器使用",
            "category": "消防安全", "hours": "1", "result": "合格", "reason": ""}
    response = client.post(f"/records/users/{person.id}/corrections?year=2026", data=form)
    assert response.status_code == 422 and "请填写更正原因" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingCorrection.id))) == 0
    form["reason"] = "纸质签到表补录"
    response = client.post(f"/records/users/{person.id}/corrections?year=2026", data=form)
    assert response.status_code == 302
    page = client.get(f"/records/users/{person.id}?year=2026").get_data(as_text=True)
    assert "纸质培训：灭火器使用" in page and "纸质签到表补录" in page and 'id="record-total-hours">4.5<' in page
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "record.add")) == 1
    # an entry outside the year, an unknown entry: refused with a message, nothing written
    bad = dict(form, action="void", entry="course-999999")
    response = client.post(f"/records/users/{person.id}/corrections?year=2026", data=bad)
    assert response.status_code == 422 and "找不到要更正的记录" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingCorrection.id))) == 1


@pytest.mark.parametrize("who", ["employee", "centre_manager", "other"])
def test_who_may_not_correct(org, client, web_login, who):
    web_login(org[who])
    response = client.post(f"/records/users/{org['employee'].id}/corrections?year=2026",
                           data={"action": "add", "reason": "x", "title": "t", "hours": "1", "entry_date": "2026-03-05"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(TrainingCorrection.id))) == 0


def test_requirements_admin(org, client, web_login):
    web_login(org["trainer"])
    assert client.get("/records/requirements").status_code == 403
    client.post("/logout")
    web_login(org["admin"])
    assert "主要负责人年度再培训" in client.get("/records/requirements").get_data(as_text=True)
    bad = client.post("/records/requirements/new", data={"name": "", "metric": "hours", "required": "0"})
    assert bad.status_code == 422 and "请填写名称" in bad.get_data(as_text=True)
    response = client.post("/records/requirements/new", data={
        "name": "新职工岗前培训", "metric": "hours", "required": "24", "category": "", "positions": ["从业人员"],
        "unit_kinds": "企业、景区", "basis": "《生产经营单位安全培训规定》第十三条"})
    assert response.status_code == 302
    row = db.session.scalar(select(TrainingRequirement).where(TrainingRequirement.name == "新职工岗前培训"))
    assert row.unit_kinds == ["企业", "景区"] and row.positions == ["从业人员"] and row.required == 24
    assert client.post(f"/records/requirements/{row.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(row)
    assert not row.is_active
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.target_type == "requirement")) == 2


def test_admin_sets_the_position(org, client, web_login):
    web_login(org["admin"])
    user = org["employee"]
    page = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "岗位类别" in page
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "display_name": user.display_name, "unit_id": user.unit_id, "role": "employee", "position": "主要负责人",
        "is_enabled": "y"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.position == "主要负责人"
    bad = client.post(f"/admin/users/{user.id}/edit", data={
        "display_name": user.display_name, "unit_id": user.unit_id, "role": "employee", "position": "局长", "is_enabled": "y"})
    assert bad.status_code == 422
    db.session.refresh(user)
    assert user.position == "主要负责人"


def test_user_import_reads_the_position_column(org, client, web_login):
    web_login(org["admin"])
    data = xlsx_file([["用户名", "姓名", "单位", "岗位"], ["wang5", "王五", "区图书馆", "安全管理人员"],
                      ["zhao6", "赵六", "区图书馆", ""], ["qian7", "钱七", "区图书馆", "局长"]])
    preview = client.post("/admin/users/import", data={"file": (io.BytesIO(data), "users.xlsx")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "无法识别的岗位类别“局长”" in preview.get_data(as_text=True)
    data = xlsx_file([["用户名", "姓名", "单位", "岗位"], ["wang5", "王五", "区图书馆", "安全管理人员"],
                      ["zhao6", "赵六", "区图书馆", ""]])
    preview = client.post("/admin/users/import", data={"file": (io.BytesIO(data), "users.xlsx")},
                          content_type="multipart/form-data", follow_redirects=False)
    assert preview.status_code == 302
    client.post(preview.location.rstrip("/") + "/confirm", data={"on_existing": "skip"})
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["wang5", "zhao6"])))}
    assert users["wang5"].position == "安全生产管理人员" and users["zhao6"].position is None


def test_api_user_fields_carry_the_position(org, api):
    caller = api(org["admin"])
    response = caller.post("/api/v1/users", json={"username": "sun8", "password": "Maple#Brook58", "display_name": "孙八",
                                                  "unit_id": org["units"]["desk"].id, "position": "主要负责人"})
    assert response.status_code == 201 and response.json["position"] == "主要负责人"
    assert caller.post("/api/v1/users", json={"username": "sun9", "password": "Maple#Brook58",
                                              "unit_id": org["units"]["desk"].id, "position": "局长"}).status_code == 422
    assert api(org["employee"]).get("/api/v1/me").json["position"] is None
