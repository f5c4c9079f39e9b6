"""The unit managers' pages and API (issue 15): only inside the subtree, 403 outside."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from quiz.extensions import db
from quiz.models import AuditEntry, User
from quiz.services import attempts

from helpers import T0, minutes, xlsx_file
from org_helpers import build_org_tree


@pytest.fixture
def org(build):
    return build_org_tree(build)


@pytest.fixture
def quiz(build):
    return build.quiz(now=T0)


def _finish(user, quiz):
    attempt, _ = attempts.start_attempt(user, quiz, T0)
    attempts.submit_attempt(attempt, T0 + minutes(1))
    db.session.commit()


# ---------------------------------------------------------------- web pages


def test_the_people_list_holds_the_subtree_only(client, web_login, org):
    web_login(org.bureau_manager)
    page = client.get("/org/people").data.decode()
    assert "班组职工" in page and "图书馆职工" in page
    assert "应急职工" not in page and "区管理员" not in page
    filtered = client.get(f"/org/people?unit_id={org.team.id}").data.decode()
    assert "班组职工" in filtered and "图书馆职工" not in filtered
    assert "图书馆职工" in client.get("/org/people?q=tsg").data.decode()


def test_a_sibling_manager_gets_403_pages(client, web_login, org, quiz):
    web_login(org.sibling_manager)
    for url in (f"/org/people?unit_id={org.bureau.id}", f"/org/people/{org.team_worker.id}",
                f"/org/non-participants?unit_id={org.bureau.id}&target=quiz:{quiz.id}",
                f"/org/non-participants.xlsx?unit_id={org.bureau.id}&target=quiz:{quiz.id}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "管理范围" in response.data.decode()
    response = client.post(f"/org/people/{org.team_worker.id}/reset-password", data={})
    assert response.status_code == 403


def test_a_person_page_shows_attempts_and_scores(client, web_login, org, quiz):
    _finish(org.team_worker, quiz)
    web_login(org.bureau_manager)
    page = client.get(f"/org/people/{org.team_worker.id}").data.decode()
    assert quiz.title in page and "已交卷" in page and "重置密码" in page
    assert "重置密码" not in client.get(f"/org/people/{org.bureau_manager.id}").data.decode()


def test_the_non_participant_list_and_its_export(client, web_login, org, quiz):
    _finish(org.section_worker, quiz)
    web_login(org.bureau_manager)
    page = client.get(f"/org/non-participants?target=quiz:{quiz.id}").data.decode()
    assert "班组职工" in page and "13800001111" in page and "图书馆职工" not in page
    response = client.get(f"/org/non-participants.xlsx?target=quiz:{quiz.id}&unit_id={org.section.id}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows()]
    assert rows[1:] == [["banzu_worker", "班组职工", "文旅区 / 文旅局 / 图书馆 / 借阅班组", "13800001111", "未开始"]]


def test_unknown_quiz_or_unit_is_404_and_no_target_asks_for_one(client, web_login, org):
    web_login(org.bureau_manager)
    assert client.get("/org/non-participants?target=quiz:999").status_code == 404
    assert client.get("/org/non-participants?unit_id=999").status_code == 404
    assert "请选择测验、闯关或课程" in client.get("/org/non-participants?target=junk").data.decode()
    assert client.get("/org/non-participants.xlsx").status_code == 400


def test_a_manager_creates_a_user_only_inside_the_subtree(client, web_login, org):
    web_login(org.bureau_manager)
    form = client.get("/org/people/new").data.decode()
    assert "借阅班组" in form and "应急局" not in form and "系统管理员" not in form and "岗位类别" in form
    response = client.post("/org/people/new", data={"username": "xinren", "display_name": "新人",
                                                     "unit_id": org.team.id, "role": "employee", "phone": "139",
                                                     "position": "安全生产管理人员"})
    assert response.status_code == 200 and "初始密码" in response.data.decode()
    user = db.session.scalar(db.select(User).where(User.username == "xinren"))
    assert user.unit_id == org.team.id and user.must_change_password and user.phone == "139"
    assert user.position == "安全生产管理人员"  # binds the 12-学时 requirement of the record
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.create")).actor_id == org.bureau_manager.id
    outside = client.post("/org/people/new", data={"username": "waibu", "display_name": "外部",
                                                   "unit_id": org.sibling.id, "role": "employee"})
    assert outside.status_code == 403
    admin = client.post("/org/people/new", data={"username": "quanxian", "display_name": "提权",
                                                 "unit_id": org.team.id, "role": "admin"})
    assert admin.status_code == 422
    assert not db.session.scalar(db.select(User).where(User.username.in_(["waibu", "quanxian"])))


def test_a_reset_password_must_be_changed_at_next_login(client, web_login, org, app):
    web_login(org.bureau_manager)
    response = client.post(f"/org/people/{org.team_worker.id}/reset-password", data={"password": ""})
    assert response.status_code == 200
    page = response.data.decode()
    assert "密码已重置" in page and "导出 Excel" in page
    db.session.refresh(org.team_worker)
    assert org.team_worker.must_change_password
    password = page.split('class="generated-password">')[1].split("<")[0]
    other = app.test_client()
    other.post("/login", data={"username": "banzu_worker", "password": password})
    assert "/account/password" in other.get("/").headers.get("Location", "")


def test_the_credentials_export_echoes_the_shown_passwords(client, web_login, org):
    web_login(org.bureau_manager)
    response = client.post("/org/credentials.xlsx", data={"username": ["a1"], "display_name": ["甲"], "password": ["Pw-123456"]})
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows()]
    assert rows == [["用户名", "姓名", "初始密码"], ["a1", "甲", "Pw-123456"]]
    assert client.post("/org/credentials.xlsx", data={}).status_code == 400


def test_a_manager_import_refuses_rows_outside_the_subtree(client, web_login, org):
    web_login(org.bureau_manager)
    data = xlsx_file([["用户名", "姓名", "单位", "角色", "联系电话"],
                      ["new1", "新一", "借阅班组", "职工", "13900000000"],
                      ["new2", "新二", "应急局", "职工", ""],
                      ["new3", "新三", "图书馆", "系统管理员", ""]])
    response = client.post("/org/people/import", data={"file": (io.BytesIO(data), "users.xlsx")})
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).data.decode()
    assert "单位“应急局”不在您管理的范围内" in preview and "您只能导入职工或单位管理员" in preview
    assert not db.session.scalar(db.select(User).where(User.username == "new1"))


def test_a_manager_import_creates_users_with_phones(client, web_login, org):
    web_login(org.bureau_manager)
    data = xlsx_file([["用户名", "姓名", "单位", "角色", "手机"], ["new1", "新一", "借阅班组", "单位管理员", "139"]])
    response = client.post("/org/people/import", data={"file": (io.BytesIO(data), "users.xlsx")})
    token = response.headers["Location"].rsplit("/", 1)[1]
    done = client.post(f"/org/people/import/{token}/confirm", data={"on_existing": "skip"})
    assert done.status_code == 200 and "初始密码" in done.data.decode()
    user = db.session.scalar(db.select(User).where(User.username == "new1"))
    assert (user.unit_id, user.role, user.phone, user.must_change_password) == (org.team.id, "manager", "139", True)


def test_a_manager_import_cannot_update_an_account_outside(client, web_login, org):
    web_login(org.bureau_manager)
    data = xlsx_file([["用户名", "姓名", "单位"], ["yj_worker", "抢人", "借阅班组"]])
    token = client.post("/org/people/import", data={"file": (io.BytesIO(data), "u.xlsx")}).headers["Location"].rsplit("/", 1)[1]
    response = client.post(f"/org/people/import/{token}/confirm", data={"on_existing": "update"})
    assert response.status_code == 302
    assert "管理范围以外" in client.get(response.headers["Location"]).data.decode()
    db.session.refresh(org.sibling_worker)
    assert org.sibling_worker.unit_id == org.sibling.id


def test_the_reminder_page_drills_down_and_exports_every_list(client, trainer, org, quiz):
    top = client.get(f"/org/reminders?target=quiz:{quiz.id}").data.decode()
    assert "文旅区" in top
    children = client.get(f"/org/reminders?target=quiz:{quiz.id}&unit_id={org.district.id}").data.decode()
    assert "文旅局" in children and "应急局" in children and "局管理员" in children
    response = client.get(f"/org/reminders/export.zip?target=quiz:{quiz.id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 3


def test_managers_and_employees_cannot_open_the_reminders(client, web_login, org):
    web_login(org.district_manager)
    assert client.get("/org/reminders").status_code == 403


def test_admins_give_the_manager_role_and_unit_in_the_user_form(client, admin, org):
    response = client.post(f"/admin/users/{org.team_worker.id}/edit",
                           data={"display_name": "班组职工", "unit_id": org.team.id, "role": "manager", "is_enabled": "y"})
    assert response.status_code == 302
    db.session.refresh(org.team_worker)
    assert org.team_worker.role == "manager"
    no_unit = client.post(f"/admin/users/{org.team_worker.id}/edit",
                          data={"display_name": "班组职工", "unit_id": 0, "role": "manager", "is_enabled": "y"})
    assert no_unit.status_code == 422 and "单位管理员必须属于一个单位" in no_unit.data.decode()


def test_the_nav_shows_managers_their_entry(client, web_login, org):
    web_login(org.bureau_manager)
    page = client.get("/").data.decode()
    assert "本单位人员" in page and "参与督促" not in page


# ---------------------------------------------------------------- API


def test_api_non_participants_for_a_manager_of_the_subtree(api, org, quiz):
    _finish(org.section_worker, quiz)
    response = api(org.district_manager).get(f"/api/v1/units/{org.bureau.id}/non-participants?quiz_id={quiz.id}")
    assert response.status_code == 200
    assert response.json == {"unit_id": org.bureau.id, "quiz_id": quiz.id, "users": [
        {"id": org.bureau_manager.id, "username": "ju_manager", "display_name": "局管理员",
         "unit": {"id": org.bureau.id, "name": "文旅局"}},
        {"id": org.team_worker.id, "username": "banzu_worker", "display_name": "班组职工",
         "unit": {"id": org.team.id, "name": "借阅班组"}},
    ]}


@pytest.mark.parametrize("role", ["admin", "trainer"])
def test_api_non_participants_for_organizers(api, build, org, quiz, role):
    user = build.user(f"api_{role}", role=role)
    response = api(user).get(f"/api/v1/units/{org.sibling.id}/non-participants?quiz_id={quiz.id}")
    assert response.status_code == 200
    assert [u["username"] for u in response.json["users"]] == ["yj_manager", "yj_worker"]


def test_api_non_participants_refuses_outside_and_employees(api, org, quiz):
    url = f"/api/v1/units/{org.bureau.id}/non-participants?quiz_id={quiz.id}"
    for user in (org.sibling_manager, org.team_worker):
        response = api(user).get(url)
        assert response.status_code == 403 and response.is_json and response.json["error"] in ("out_of_scope", "forbidden")
    upwards = api(org.bureau_manager).get(f"/api/v1/units/{org.district.id}/non-participants?quiz_id={quiz.id}")
    assert upwards.status_code == 403 and upwards.json["error"] == "out_of_scope"


def test_api_non_participants_404_and_422(api, build, org, quiz):
    client = api(org.bureau_manager)
    assert client.get(f"/api/v1/units/99999/non-participants?quiz_id={quiz.id}").json["error"] == "unit_not_found"
    assert client.get(f"/api/v1/units/{org.bureau.id}/non-participants?quiz_id=99999").status_code == 404
    hidden = build.quiz(now=T0, is_published=False)
    assert client.get(f"/api/v1/units/{org.bureau.id}/non-participants?quiz_id={hidden.id}").status_code == 404
    for query in ("", "?quiz_id=abc", "?quiz_id=0", "?quiz_id=99999999999"):
        response = client.get(f"/api/v1/units/{org.bureau.id}/non-participants{query}")
        assert response.status_code == 422 and response.is_json, query


def test_api_non_participants_needs_a_token(client, org, quiz):
    response = client.get(f"/api/v1/units/{org.bureau.id}/non-participants?quiz_id={quiz.id}")
    assert response.status_code == 401


def test_admins_import_managers_who_must_have_a_unit(client, admin, org):
    data = xlsx_file([["用户名", "姓名", "单位", "角色"], ["m1", "管一", "借阅班组", "单位管理员"], ["m2", "管二", "", "安全员"]])
    response = client.post("/admin/users/import", data={"file": (io.BytesIO(data), "users.xlsx")})
    preview = client.get(response.headers["Location"]).data.decode()
    assert "单位管理员必须填写所管理的单位" in preview and "管一" in preview


def test_the_admin_credentials_page_exports_too(client, admin, org):
    response = client.post("/admin/users/new", data={"username": "zhiyuan", "display_name": "职员",
                                                     "unit_id": org.team.id, "role": "employee"})
    assert "导出 Excel" in response.data.decode()
