"""Admin pages: units, users (create, edit, reset password, deactivate), bulk user import, audit log.

Password hashes are slow on purpose, so they are computed before the write lock is taken.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth_setup import roles_required
from ..database import atomic, reads_first
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..forms import ActionForm, show_domain_error
from ..models import ROLES
from ..services import accounts
from . import user_admin, user_import
from ..org import people as org_people
from ..org import routes as org_routes
from ..services.audit import ACTION_LABELS, TARGET_LABELS, AuditFilter, audit_query
from ..services.clock import now_utc
from ..services.exports import XLSX_MIMETYPE
from .user_admin import UserFilter
from ..params import id_arg
from ..trainer.common import PER_PAGE, download, page_number
from .forms import (
    ResetPasswordForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _unit_choices(blank_label: str, *, joinable: bool = False, current: int | None = None) -> list[tuple[int, str]]:
    """The unit select; ``joinable``: only units people may join (no retired unit but ``current``)."""
    units = accounts.list_units()
    return [(0, blank_label), *((unit.id, f"{unit.name}（{unit.kind}）") for unit in units
                                if not joinable or unit.retired_at is None or unit.id == current)]


@bp.get("/")
@roles_required("admin")
def index():
    return redirect(url_for("admin.users"))


# ---------------------------------------------------------------- units (quiz.org.routes)


org_routes.register(bp)


# ---------------------------------------------------------------- users


@bp.get("/users")
@roles_required("admin")
def users():
    form = UserFilterForm(request.args)
    form.unit_id.choices = _unit_choices("全部单位")
    filters = UserFilter(
        q=(request.args.get("q") or "").strip()[:64],
        unit_id=id_arg("unit_id"),
        role=request.args.get("role") if request.args.get("role") in ROLES else None,
        enabled={"1": True, "0": False}.get(request.args.get("enabled", "")),
    )
    page = db.paginate(user_admin.user_query(filters), page=page_number(), per_page=PER_PAGE, error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("admin/users.html", form=form, page=page, args=args)


@bp.route("/users/new", methods=["GET", "POST"])
@reads_first
@roles_required("admin")
def user_new():
    form = UserCreateForm()
    form.unit_id.choices = _unit_choices("（无）", joinable=True)
    if form.validate_on_submit():
        created = org_people.create_account(
            form, lambda: accounts.get_unit(form.unit_id.data) if form.unit_id.data else None)
        if created:
            user, generated = created
            if generated:
                return render_template("admin/credentials.html", export_url=url_for("org.credentials_export"), title="用户已创建",
                                       credentials=[(user.username, user.display_name, generated)])
            flash(f"已创建用户 {user.username}", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = accounts.get_user(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.unit_id.choices = _unit_choices("（无）", joinable=True, current=user.unit_id)
    if request.method == "GET":
        form.unit_id.data = user.unit_id or 0
        form.position.data = user.position or ""
    if form.validate_on_submit():
        try:
            with atomic():
                unit = accounts.get_unit(form.unit_id.data) if form.unit_id.data else None
                changes = user_admin.update_user(user, display_name=form.display_name.data, role=form.role.data,
                                                 unit=unit, is_enabled=form.is_enabled.data, actor=current_user,
                                                 now=now_utc(), position=form.position.data)
        except DomainError as error:
            show_domain_error(form, error, {"display_name": form.display_name, "unit_id": form.unit_id,
                                            "role": form.role, "position": form.position}, form.role)
        else:
            flash("已保存" if changes else "没有需要保存的修改", "success" if changes else "info")
            return redirect(url_for("admin.users"))
    history = db.session.scalars(audit_query(AuditFilter(target_type="user", target_id=user.id)).limit(20)).all()
    return render_template("admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm(),
                           history=history), 422 if form.errors else 200


@bp.post("/users/<int:user_id>/reset-password")
@reads_first
@roles_required("admin")
def user_reset_password(user_id: int):
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash("；".join(m for messages in form.errors.values() for m in messages) or "请重试", "danger")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    try:
        user, generated = org_people.reset_account_password(form, user_id, lambda user: None)  # admins manage everyone
    except ValidationFailed as error:
        flash(error.message, "danger")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    if generated:
        return render_template("admin/credentials.html", export_url=url_for("org.credentials_export"), title="密码已重置",
                               credentials=[(user.username, user.display_name, generated)])
    flash(f"已重置 {user.username} 的密码，该用户需要重新登录并设置自己的密码。", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/<any(activate, deactivate):action>")
@roles_required("admin")
def user_set_enabled(user_id: int, action: str):
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("admin.users"))
    user = accounts.get_user(user_id)
    try:
        with atomic():
            user_admin.update_user(user, display_name=user.display_name, role=user.role, unit=user.unit,
                                   is_enabled=action == "activate", actor=current_user, now=now_utc())
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(f"已{'启用' if action == 'activate' else '停用'}用户 {user.username}", "success")
    return redirect(url_for("admin.users"))


# ---------------------------------------------------------------- bulk import


def _credentials(title: str, credentials):
    return render_template("admin/credentials.html", export_url=url_for("org.credentials_export"), title=title,
                           credentials=credentials)


USER_IMPORT = org_people.user_import_view(roles=("admin",), url="/users/import", done_endpoint="admin.users",
                                          credentials=_credentials, pages=dict)
USER_IMPORT.register(bp)


@bp.get("/users/template.xlsx")
@roles_required("admin")
def user_template():
    return download(user_import.user_template_xlsx(), "用户导入模板.xlsx", XLSX_MIMETYPE)


# ---------------------------------------------------------------- audit log


@bp.get("/audit")
@roles_required("admin")
def audit():
    """Who changed what, newest first; filter by kind of object, action or person."""
    target_type = request.args.get("target_type") if request.args.get("target_type") in TARGET_LABELS else None
    action = request.args.get("action") if request.args.get("action") in ACTION_LABELS else None
    filters = AuditFilter(target_type=target_type, target_id=id_arg("target_id"),
                          actor_id=id_arg("actor_id"), action=action)
    page = db.paginate(audit_query(filters), page=page_number(), per_page=PER_PAGE, error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("admin/audit.html", page=page, args=args, filters=filters,
                           action_labels=ACTION_LABELS, target_labels=TARGET_LABELS)
