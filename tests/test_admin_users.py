"""Admin pages: units, users (create, edit, reset password, deactivate), bulk user import, audit log."""

from __future__ import annotations

import csv
import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.security import check_password_hash
from werkzeug.test import encode_multipart

from quiz.extensions import db
from quiz.models import AuditEntry, PendingImport, Unit, User

from helpers import PASSWORD, xlsx_file


def upload(client, filename: str, data: bytes, **fields):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=filename), **fields})
    return client.post("/admin/users/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def token_of(response) -> str:
    assert response.status_code == 302, response.data.decode()[:3000]
    return re.fullmatch(r"/admin/users/import/([\w-]{20,})", response.headers["Location"]).group(1)


def passwords_on(html: str) -> dict[str, str]:
    return dict(re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td><code class=\"generated-password\">([^<]+)</code>", html))


def test_admin_pages_are_for_admins_only(client, build, web_login):
    web_login(build.user("trainer1", role="trainer"))
    for url in ["/admin/users", "/admin/units", "/admin/audit", "/admin/users/import"]:
        assert client.get(url).status_code == 403


def test_units_create_edit_and_field_errors(client, admin):
    assert client.post("/admin/units/new", data={"name": "区图书馆", "kind": "局属单位", "headcount": "25"}).status_code == 302
    unit = db.session.scalars(db.select(Unit)).one()
    assert (unit.name, unit.kind, unit.headcount) == ("区图书馆", "局属单位", 25)
    duplicate = client.post("/admin/units/new", data={"name": "区图书馆", "kind": "科室"})
    assert duplicate.status_code == 422 and "单位“区图书馆”已存在" in duplicate.data.decode()
    for data, message in [({"name": "", "kind": "科室"}, "请填写单位名称"),
                          ({"name": "名" * 101, "kind": "科室"}, "单位名称不能超过 100 字"),
                          ({"name": "x", "kind": "类" * 21}, "单位类型不能超过 20 字"),  # free labels (issue 15): only the length is checked
                          ({"name": "x", "kind": "科室", "headcount": "很多"}, "不是有效的整数"),
                          ({"name": "x", "kind": "科室", "headcount": "-1"}, "编制人数应为 0 到 1000000 的整数")]:
        response = client.post("/admin/units/new", data=data)
        assert response.status_code == 422 and message in response.data.decode(), message
    client.post(f"/admin/units/{unit.id}/edit", data={"name": "区图书馆（新馆）", "kind": "局属单位", "headcount": ""})
    db.session.refresh(unit)
    assert unit.name == "区图书馆（新馆）" and unit.headcount is None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "unit.update")).one()
    assert entry.changes == {"name": ["区图书馆", "区图书馆（新馆）"], "headcount": [25, None]}
    assert "区图书馆（新馆）" in client.get("/admin/units").data.decode()


def test_create_user_with_a_generated_password_shown_once(client, admin, build):
    unit = build.unit("区文化馆")
    response = client.post("/admin/users/new", data={"username": " WangWu ", "display_name": "王五",
                                                    "unit_id": str(unit.id), "role": "employee", "password": ""})
    html = response.data.decode()
    assert response.status_code == 200 and "只显示这一次" in html
    password = passwords_on(html)["wangwu"]
    user = db.session.scalars(db.select(User).where(User.username == "wangwu")).one()
    assert check_password_hash(user.password_hash, password) and user.unit_id == unit.id
    assert password not in str(db.session.scalars(db.select(AuditEntry.changes)).all())


@pytest.mark.parametrize("data, message", [
    ({"username": "x"}, "用户名长度应为 2-64 个字符"),
    ({"username": "admin1"}, "已被使用"),
    ({"password": "12345678"}, "过于常见"),
    ({"password": "short"}, "至少需要 8 个字符"),
    ({"role": "employee", "unit_id": "0"}, "职工必须属于一个单位"),
    ({"role": "boss"}, "不是有效的选择"),
    ({"display_name": "名" * 65}, "姓名不能超过 64 字"),
])
def test_create_user_field_errors(client, admin, data, message):
    form = {"username": "newuser", "display_name": "新用户", "unit_id": "0", "role": "trainer", "password": "", **data}
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 422 and message in response.data.decode()
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_edit_role_unit_and_deactivate(client, admin, build, web_login):
    unit = build.unit("区博物馆")
    employee = build.user("zhaoliu", unit=build.unit("办公室"))
    response = client.post(f"/admin/users/{employee.id}/edit", data={
        "display_name": "赵六", "unit_id": str(unit.id), "role": "trainer", "is_enabled": "y"})
    assert response.status_code == 302
    db.session.refresh(employee)
    assert (employee.display_name, employee.unit_id, employee.role) == ("赵六", unit.id, "trainer")

    other_client = client.application.test_client()
    other_client.post("/login", data={"username": "zhaoliu", "password": PASSWORD})
    assert other_client.get("/").status_code == 200
    client.post(f"/admin/users/{employee.id}/deactivate")
    db.session.refresh(employee)
    assert employee.is_enabled is False
    assert other_client.get("/").status_code == 302  # signed out everywhere
    client.post(f"/admin/users/{employee.id}/activate")
    db.session.refresh(employee)
    assert employee.is_enabled is True
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert actions.count("user.update") == 3


def test_admins_cannot_lock_themselves_out(client, admin):
    response = client.post(f"/admin/users/{admin.id}/edit", data={"display_name": "管理员", "unit_id": "0",
                                                                   "role": "trainer", "is_enabled": "y"})
    assert response.status_code == 422 and "不能取消自己的管理员角色" in response.data.decode()
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.is_enabled is True and admin.role == "admin"


def test_reset_password_ends_sessions(client, admin, build):
    user = build.user("lisi")
    other_client = client.application.test_client()
    other_client.post("/login", data={"username": "lisi", "password": PASSWORD})
    html = client.post(f"/admin/users/{user.id}/reset-password", data={"password": ""}).data.decode()
    new_password = passwords_on(html)["lisi"]
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, new_password)
    assert other_client.get("/").status_code == 302
    weak = client.post(f"/admin/users/{user.id}/reset-password", data={"password": "123456"})
    assert weak.status_code == 302
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, new_password)  # unchanged
    assert db.session.scalars(db.select(AuditEntry.action)).all().count("user.reset_password") == 1


def test_user_list_search_and_filters(client, admin, build):
    unit = build.unit("区图书馆")
    build.user("zhangsan", display_name="张三", unit=unit)
    build.user("zhangsi", display_name="张四", unit=build.unit("区文化馆"))
    build.user("trainer2", role="trainer")
    assert client.get("/admin/users?q=张").data.decode().count("data-user-id=") == 2
    assert client.get(f"/admin/users?unit_id={unit.id}").data.decode().count("data-user-id=") == 1
    assert client.get("/admin/users?role=trainer").data.decode().count("data-user-id=") == 1
    assert client.get("/admin/users?enabled=0&unit_id=x").data.decode().count("data-user-id=") == 0


def test_bulk_user_import_preview_and_confirm(client, admin, build):
    build.unit("区图书馆")
    build.unit("区文化馆")
    existing = build.user("lisi", display_name="李四（旧）", unit=build.unit("办公室"))
    rows = [["账号", "姓名", "部门", "角色", "初始密码"],
            ["ZhangSan", "张三", "区图书馆", "职工", ""],
            [],
            ["wangwu ", "王五", "区文化馆", "培训管理员", "Safe-Pass-4821"],
            ["lisi", "李四", "区图书馆", "", ""]]
    token = token_of(upload(client, "users.xlsx", xlsx_file(rows)))
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2  # nothing created before the confirm
    preview = client.get(f"/admin/users/import/{token}").data.decode()
    assert "新用户 2（其中自动生成密码 1）" in preview and "已存在 1" in preview

    confirmed = client.post(f"/admin/users/import/{token}/confirm", data={"on_existing": "update"})
    html = confirmed.data.decode()
    assert confirmed.status_code == 200 and "只显示这一次" in html
    generated = passwords_on(html)
    assert list(generated) == ["zhangsan"]
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    assert check_password_hash(users["zhangsan"].password_hash, generated["zhangsan"])
    assert check_password_hash(users["wangwu"].password_hash, "Safe-Pass-4821")
    assert users["wangwu"].role == "trainer" and users["wangwu"].unit.name == "区文化馆"
    db.session.refresh(existing)
    assert existing.display_name == "李四" and existing.unit.name == "区图书馆"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.import")).one()
    assert (entry.changes["created"], entry.changes["updated"]) == (2, 1)
    assert db.session.get(PendingImport, token) is None


def test_import_that_changes_a_role_reaches_remembered_api_tokens_at_once(client, admin, build, api):
    build.unit("区图书馆")
    trainer = build.user("peixun", role="trainer")
    session = api(trainer)
    assert session.get("/api/v1/questions").status_code == 200  # checked, and remembered as a trainer
    rows = [["账号", "姓名", "部门", "角色", "初始密码"], ["peixun", "培训员", "区图书馆", "职工", ""]]
    token = token_of(upload(client, "users.xlsx", xlsx_file(rows)))
    client.post(f"/admin/users/import/{token}/confirm", data={"on_existing": "update"})
    db.session.refresh(trainer)
    assert trainer.role == "employee"
    assert session.get("/api/v1/questions").status_code == 403


def test_bulk_user_import_errors_block_everything(client, admin, build):
    build.unit("区图书馆")
    buffer = io.StringIO()
    csv.writer(buffer).writerows([
        ["用户名", "姓名", "单位", "角色", "初始密码"],
        ["good1", "好人", "区图书馆", "职工", ""],
        ["x", "太短", "区图书馆", "职工", ""],
        ["good2", "", "区图书馆", "职工", ""],
        ["good3", "无单位", "", "职工", ""],
        ["good4", "错单位", "区火星馆", "职工", ""],
        ["good5", "错角色", "区图书馆", "老板", ""],
        ["good6", "弱密码", "区图书馆", "职工", "123456"],
        ["GOOD1", "重复", "区图书馆", "职工", ""],
    ])
    token = token_of(upload(client, "users.csv", buffer.getvalue().encode("utf-8-sig")))
    preview = client.get(f"/admin/users/import/{token}").data.decode()
    errors = re.findall(r'<tr class="import-error"><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>', preview)
    assert {(int(r), c) for r, c, _ in errors} == {(3, "用户名"), (4, "姓名"), (5, "单位"), (6, "单位"), (7, "角色"),
                                                  (8, "初始密码"), (9, "用户名")}
    assert any("与第2行的用户名重复" in m for *_, m in errors)
    client.post(f"/admin/users/import/{token}/confirm", data={"on_existing": "skip"})
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


@pytest.mark.parametrize("filename, data, message", [
    ("users.txt", b"x", "仅支持 .xlsx 或 .csv"),
    ("users.csv", "姓名,单位\n张三,区图书馆\n".encode(), "缺少必填列“用户名”"),
    ("users.csv", "用户名,姓名\n".encode(), "没有数据行"),
    ("users.csv", ("用户名,姓名\n" + "".join(f"u{n},名{n}\n" for n in range(2001))).encode(), "2000 行"),
])
def test_bad_user_files(client, admin, filename, data, message):
    response = upload(client, filename, data)
    assert response.status_code == 422 and message in response.data.decode()
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0


def test_user_template_round_trips(client, admin, build):
    build.unit("区图书馆")
    build.unit("区文化馆")
    template = client.get("/admin/users/template.xlsx")
    token = token_of(upload(client, "template.xlsx", template.data))
    assert "新用户 2（其中自动生成密码 1）" in client.get(f"/admin/users/import/{token}").data.decode()


def test_audit_log_page_lists_and_filters(client, admin, build):
    client.post("/admin/units/new", data={"name": "区图书馆", "kind": "局属单位"})
    client.post("/trainer/categories", data={"new-name": "消防安全"})
    html = client.get("/admin/audit").data.decode()
    assert 'data-action="unit.create"' in html and 'data-action="category.create"' in html and "admin1" in html
    filtered = client.get("/admin/audit?target_type=unit").data.decode()
    assert 'data-action="unit.create"' in filtered and 'data-action="category.create"' not in filtered


def test_admin_forms_need_the_csrf_token(csrf_app_config, client, build):
    user = build.user("admin2", role="admin")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").data.decode()).group(1)
    client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert client.post("/admin/units/new", data={"name": "区图书馆", "kind": "科室"}).status_code == 400
    assert client.post(f"/admin/users/{user.id}/reset-password", data={"password": ""}).status_code == 400
    page = client.get("/admin/units/new").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/admin/units/new", data={"name": "区图书馆", "kind": "科室", "csrf_token": token}).status_code == 302


def test_the_user_upload_page_says_how_long_a_full_file_takes(client, admin):
    page = client.get("/admin/users/import").data.decode()
    assert re.search(r'data-busy="正在读取和检查文件，\d+ 行约需 10 秒', page) and "下载用户导入模板" in page
