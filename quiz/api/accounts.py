"""API: bearer tokens, the caller, units and users."""

from __future__ import annotations

from flask import current_app, g

from ..admin import user_admin
from ..auth_setup import Unauthorized, allowed_before_password_change, api_auth, api_user, new_password_hash, public
from ..database import reads_first, write_block
from ..errors import ValidationFailed
from ..extensions import db, limiter
from ..models import User
from ..org import units as unit_rules
from ..services import accounts
from ..services.clock import now_utc
from .blueprint import BEARER, bp
from .schemas import (
    PasswordChangeIn,
    TokenIn,
    TokenOut,
    UnitIn,
    UnitOut,
    UnitsOut,
    UserIn,
    UserOut,
)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/tokens")
@reads_first
@public
@limiter.limit(_login_limit, deduct_when=lambda response: response.status_code != 201)
@bp.input(TokenIn, arg_name="body")
@bp.output(TokenOut, status_code=201)
@bp.doc(summary="Exchange username and password for a bearer token", responses=[401, 429])
def create_token(body):
    user = accounts.authenticate(
        body["username"], body["password"], hash_method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    if user is None:
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    now = now_utc()
    with write_block():
        token, record = accounts.issue_token(user, now, current_app.config["API_TOKEN_LIFETIME_SECONDS"])
        accounts.record_login(user, now)
    return {"token": token, "expires_at": record.expires_at, "user": user}


@bp.delete("/tokens/current")
@api_auth()
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke the token used for this request (log out)", security=BEARER, responses=[401])
def revoke_current_token():
    token = g.get("api_token")
    if token:
        accounts.revoke_token(token, now_utc())
    return ""


@bp.get("/me")
@api_auth()
@bp.output(UserOut)
@bp.doc(summary="The signed-in user", security=BEARER, responses=[401])
def me():
    return api_user()


@bp.get("/units")
@api_auth()
@bp.output(UnitsOut)
@bp.doc(summary="All units", security=BEARER, responses=[401])
def list_units():
    return {"units": accounts.list_units()}


@bp.post("/units")
@api_auth("admin")
@bp.input(UnitIn, arg_name="body")
@bp.output(UnitOut, status_code=201)
@bp.doc(summary="Create a unit (admin)", security=BEARER, responses=[401, 403, 409, 422])
def create_unit(body):
    parent = unit_rules.get_open_parent(body["parent_id"])
    return unit_rules.add_unit(body["name"], body["kind"], body["headcount"], api_user(), now_utc(), parent=parent)


@bp.post("/users")
@reads_first
@api_auth("admin")
@bp.input(UserIn, arg_name="body")
@bp.output(UserOut, status_code=201)
@bp.doc(summary="Create a user (admin)", security=BEARER, responses=[401, 403, 404, 409])
def create_user(body):
    password_hash = new_password_hash(body["password"], username=body["username"], display_name=body["display_name"])
    with write_block():
        unit = accounts.get_unit(body["unit_id"]) if body["unit_id"] is not None else None
        user = user_admin.add_user(body["username"], body["display_name"], unit, body["role"], password_hash,
                                   api_user(), now_utc(), must_change_password=body["must_change_password"],
                                   position=body["position"])
    return user


@bp.post("/me/password")
@reads_first
@api_auth()
@allowed_before_password_change
@limiter.limit(_login_limit, deduct_when=lambda response: response.status_code != 204)
@bp.input(PasswordChangeIn, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(summary="Change one's own password; every session and token of the user ends (sign in again)",
        security=BEARER, responses=[401, 422])
def change_own_password(body):
    config = current_app.config
    user = api_user()
    if accounts.authenticate(user.username, body["current_password"], hash_method=config["PASSWORD_HASH_METHOD"]) is None:
        raise ValidationFailed("当前密码不正确", code="wrong_password", field="current_password")
    if body["new_password"] == body["current_password"]:
        raise ValidationFailed("新密码不能与当前密码相同", code="weak_password", field="new_password")
    password_hash = new_password_hash(body["new_password"], username=user.username, display_name=user.display_name)
    with write_block():
        accounts.set_password_hash(db.session.get(User, user.id), password_hash, now_utc())
    return ""
