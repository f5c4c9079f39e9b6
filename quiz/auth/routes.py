"""Login, logout and registration pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..auth_setup import public, roles_required
from ..database import reads_first, write_block
from ..errors import DomainError
from ..extensions import limiter
from ..services import accounts
from ..services.clock import now_utc
from .forms import LoginForm, PasswordChangeForm, RegisterForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative redirects after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("take.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _only_failed_posts(response) -> bool:
    return request.method == "POST" and response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@reads_first
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_only_failed_posts)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("take.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            form.username.data, form.password.data, hash_method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        if user is None:
            form.password.errors.append("用户名或密码错误，或账号已停用")
        else:
            with write_block():
                accounts.record_login(user, now_utc())
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@roles_required()
def logout():
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@reads_first
@public
@limiter.limit(_login_limit, methods=["POST"])
def register():
    if not current_app.config["ALLOW_REGISTRATION"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("take.home"))
    form = RegisterForm()
    units = accounts.list_units()
    form.unit_id.choices = [(0, "请选择单位")] + [(unit.id, f"{unit.name}（{unit.kind}）") for unit in units]
    if form.validate_on_submit():
        try:
            password_hash = accounts.hash_new_password(
                form.password.data,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                username=form.username.data, display_name=form.display_name.data,
            )
            with write_block():
                user = accounts.create_user(
                    form.username.data,
                    password_hash=password_hash,
                    display_name=form.display_name.data,
                    unit=accounts.get_unit(form.unit_id.data),
                    role="employee",
                )
        except DomainError as error:
            fields = {"username": form.username, "display_name": form.display_name, "unit_id": form.unit_id}
            fields.get(error.extra.get("field"), form.password).errors.append(error.message)
        else:
            login_user(user)
            flash("注册成功，欢迎参加安全知识学习与竞赛！", "success")
            return redirect(url_for("take.home"))
    return render_template("auth/register.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@reads_first
@roles_required()
def change_password():
    """Change one's own password; every other session and API token of the user ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        config = current_app.config
        if accounts.authenticate(current_user.username, form.current.data,
                                 hash_method=config["PASSWORD_HASH_METHOD"]) is None:
            form.current.errors.append("当前密码不正确")
        else:
            try:
                password_hash = accounts.hash_new_password(
                    form.password.data, hash_method=config["PASSWORD_HASH_METHOD"],
                    min_length=config["PASSWORD_MIN_LENGTH"],
                    username=current_user.username, display_name=current_user.display_name,
                )
            except DomainError as error:
                form.password.errors.append(error.message)
            else:
                user = current_user._get_current_object()
                with write_block():
                    accounts.set_password_hash(user, password_hash, now_utc())
                login_user(user)  # this session continues under the new session version
                flash("密码已修改，其他设备上的登录已失效。", "success")
                return redirect(url_for("take.home"))
    return render_template("auth/change_password.html", form=form)
