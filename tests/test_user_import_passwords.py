"""Bulk user import: temporary passwords (light hash, changed at first sign-in), none kept in plain text."""

from __future__ import annotations

import json

from helpers import FAST_HASH, TEMPORARY_HASH, xlsx_file
from test_admin_users import passwords_on, token_of, upload

from quiz.extensions import db
from quiz.models import PendingImport, User

HEADER = ["用户名", "姓名", "单位", "角色", "初始密码"]


def test_imported_accounts_get_temporary_hashes_and_must_change_them(app, client, admin, build):
    build.unit("区图书馆")
    existing = build.user("laoyonghu", unit=build.unit("办公室"))
    rows = [HEADER, ["daoru1", "导入一", "区图书馆", "职工", "Given-Pass-4817"], ["daoru2", "导入二", "区图书馆", "职工", ""],
            ["laoyonghu", "老用户", "区图书馆", "职工", "Reset-In-File-9"]]
    token = token_of(upload(client, "users.xlsx", xlsx_file(rows)))
    html = client.post(f"/admin/users/import/{token}/confirm", data={"on_existing": "update"}).data.decode()
    generated = passwords_on(html)["daoru2"]
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    for name in ("daoru1", "daoru2", "laoyonghu"):
        assert users[name].must_change_password, name
        assert users[name].password_hash.startswith(TEMPORARY_HASH + "$"), name
    assert not users["admin1"].must_change_password and existing.id == users["laoyonghu"].id

    browser = app.test_client()
    login = browser.post("/login", data={"username": "daoru2", "password": generated})
    assert login.location.endswith("/account/password")
    browser.post("/account/password", data={"current": generated, "password": "My-Own-Pass-88", "confirm": "My-Own-Pass-88"})
    db.session.expire_all()
    user = db.session.get(User, users["daoru2"].id)
    assert not user.must_change_password and user.password_hash.startswith(FAST_HASH + "$")  # full cost from now on


def test_no_plain_password_is_kept_in_a_pending_import_with_errors(client, admin, build):
    build.unit("区图书馆")
    rows = [HEADER,
            ["x", "太短", "区图书馆", "职工", "Kept-Nowhere-71"],          # a row with an error
            ["good1", "好人", "区图书馆", "职工", "Also-Nowhere-72"],      # a good row in a file with errors
            ["good2", "弱密码", "区图书馆", "职工", "123456"]]             # the password is the error
    token = token_of(upload(client, "users.xlsx", xlsx_file(rows)))
    pending = db.session.get(PendingImport, token)
    stored = json.dumps(pending.payload, ensure_ascii=False)
    for password in ("Kept-Nowhere-71", "Also-Nowhere-72", "123456"):
        assert password not in stored
    preview = client.get(f"/admin/users/import/{token}").data.decode()
    assert "Kept-Nowhere-71" not in preview and "123456" not in preview
    assert pending.error_count >= 2
