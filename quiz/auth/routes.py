"""Login, logout and registration pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from ..auth_setup import allowed_before_password_change, log_in, log_out, new_password_hash, public, roles_required
from ..database import reads_first, write_block
from ..errors import DomainError
from ..extensions import limiter
from ..forms import ActionForm
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
            now = now_utc()
            with write_block():
                accounts.record_login(user, now)
                log_in(user, remember=form.remember.data, now=now)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@roles_required()
@allowed_before_password_change
def logout():
    """Sign out: this browser's login session ends on the server, so a copied cookie stops working."""
    log_out(now_utc())
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/sign-out-everywhere")
@roles_required()
@allowed_before_password_change
def sign_out_everywhere():
    """退出所有设备: every sign-in, remember cookie and API token of the user ends, this one too."""
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("auth.change_password"))
    user = current_user._get_current_object()
    now = now_utc()
    accounts.sign_out_everywhere(user, now)
    logout_user()
    flash("已退出所有设备：所有浏览器上的登录和 API 令牌均已失效，请重新登录。", "info")
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
    units = accounts.list_units(open_only=True)  # a retired unit takes no new people
    form.unit_id.choices = [(0, "请选择单位")] + [(unit.id, f"{unit.name}（{unit.kind}）") for unit in units]
    if form.validate_on_submit():
        try:
            password_hash = new_password_hash(form.password.data, username=form.username.data,
                                              display_name=form.display_name.data)
            now = now_utc()
            with write_block():
                user = accounts.create_user(
                    form.username.data,
                    password_hash=password_hash,
                    display_name=form.display_name.data,
                    unit=accounts.get_unit(form.unit_id.data),
                    role="employee",
                )
                log_in(user, remember=False, now=now)
        except DomainError as error:
            fields = {"username": form.username, "display_name": form.display_name, "unit_id": form.unit_id}
            fields.get(error.extra.get("field"), form.password).errors.append(error.message)
        else:
            flash("注册成功，欢迎参加安全知识学习与竞赛！", "success")
            return redirect(url_for("take.home"))
    return render_template("auth/register.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@reads_first
@roles_required()
@allowed_before_password_change
def change_password():
    """The account page: change one's own password (every other session and API token of the
    user ends), or 退出所有设备.  An account an admin gave a password is sent here first."""
    form = PasswordChangeForm()
    first_login = current_user.must_change_password
    if first_login:
        form.current.label.text = "初始密码（管理员告知的密码）"
    if form.validate_on_submit():
        config = current_app.config
        if accounts.authenticate(current_user.username, form.current.data,
                                 hash_method=config["PASSWORD_HASH_METHOD"]) is None:
            form.current.errors.append("当前密码不正确")
        elif form.password.data == form.current.data:
            form.password.errors.append("新密码不能与当前密码相同")
        else:
            try:
                password_hash = new_password_hash(form.password.data, username=current_user.username,
                                                  display_name=current_user.display_name)
            except DomainError as error:
                form.password.errors.append(error.message)
            else:
                user = current_user._get_current_object()
                now = now_utc()
                with write_block():
                    accounts.set_password_hash(user, password_hash, now)
                    log_in(user, remember=False, now=now)  # this browser goes on under a new login session
                flash("密码已设置，欢迎使用。" if first_login else "密码已修改，其他设备上的登录已失效。", "success")
                return redirect(url_for("take.home"))
    return render_template("auth/change_password.html", form=form, first_login=first_login,
                           sign_out_form=ActionForm()), 422 if form.errors else 200
