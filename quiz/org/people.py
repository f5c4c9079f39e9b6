"""The unit managers' pages (单位管理员, /org): their people, attempts, 未参与名单, accounts;
and the organizers' reminder page.

Every view asks :mod:`quiz.org.scope` whose people the caller may see or manage; a unit or
person outside gives the Chinese 403 page.  Account work reuses the admin's operations
(quiz.admin.user_admin, quiz.admin.user_import), so the audit log and the first-login rule
(``must_change_password``) are the same.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from ..admin import user_admin, user_import
from ..admin.forms import ConfirmUserImportForm, ResetPasswordForm, UserUploadForm
from ..auth_setup import new_password_hash, roles_required
from ..database import reads_first, write_block
from ..downloads import attachment
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..forms import show_domain_error
from ..import_views import TwoStepImport
from ..models import ROLE_LABELS, STAFF_ROLES, Attempt, Quiz, User
from ..params import id_arg
from ..services import accounts
from ..services.clock import now_utc
from ..services.exports import XLSX_MIMETYPE, table_to_xlsx
from ..trainer.common import PER_PAGE, page_number
from . import participation, scope
from .forms import ManagedUserForm, PeopleFilterForm, TargetForm
from .tree import UnitTree, load_tree

bp = Blueprint("org", __name__, url_prefix="/org")

VIEW_ROLES = scope.VIEW_ROLES
#: who creates, imports and resets accounts here (admins have their own pages too)
MANAGE_ROLES = ("manager", "admin")
#: organizers (the staff): the reminder page over every unit
ORGANIZER_ROLES = STAFF_ROLES
#: the most rows a credentials export takes back (an import's largest list)
MAX_CREDENTIAL_ROWS = user_import.MAX_USER_IMPORT_ROWS


def _unit_choices(tree: UnitTree, unit_ids, blank: str | None) -> list[tuple[int, str]]:
    """Units as a select's choices, in tree order, indented by depth; ``unit_ids`` None: every unit."""
    roots = tree.roots() if unit_ids is None else [
        unit_id for unit_id in unit_ids if tree.units[unit_id].parent_id not in unit_ids]
    choices = [(0, blank)] if blank else []
    for root in sorted(roots, key=tree.path):
        base = tree.depth(root)
        for unit_id in tree.subtree_ids(root):
            choices.append((unit_id, "　" * (tree.depth(unit_id) - base) + tree.units[unit_id].name))
    return choices


def _home_unit(tree: UnitTree) -> int | None:
    """The unit a page starts on: a manager's own unit, else the first top-level unit."""
    if current_user.role == "manager":
        return current_user.unit_id
    roots = tree.roots()
    return roots[0] if roots else None


def _chosen_unit(tree: UnitTree) -> int | None:
    """The unit asked for in ?unit_id= (refused with 403 outside the caller's view), else the home unit."""
    unit_id = id_arg("unit_id")
    if unit_id is None:
        return _home_unit(tree)
    if unit_id not in tree.units:
        raise NotFound("单位不存在", code="unit_not_found")
    scope.require_visible_unit(current_user, unit_id, tree)
    return unit_id


def _target() -> participation.Target | None:
    """The quiz, series or course of ?target=quiz:ID|series:ID|course:ID (or ?quiz_id=); None when none is chosen."""
    raw = request.args.get("target", "")
    kind, _, number = raw.partition(":")
    target_id = id_arg("target", value=number) if kind in participation.TARGET_LOADERS else None
    if target_id is None and id_arg("quiz_id") is not None:
        kind, target_id = "quiz", id_arg("quiz_id")
    if target_id is None:
        return None
    return participation.TARGET_LOADERS[kind](target_id, include_unpublished=current_user.is_staff)


def _target_form(tree: UnitTree, unit_id: int | None, target, *, units=True) -> TargetForm:
    form = TargetForm(request.args)
    form.target.choices = [("", "请选择"), *participation.target_choices(include_unpublished=current_user.is_staff)]
    form.target.data = f"{target.kind}:{target.id}" if target else ""
    if units:
        form.unit_id.choices = _unit_choices(tree, scope.visible_unit_ids(current_user, tree), None)
        form.unit_id.data = unit_id or 0
    return form


# ---------------------------------------------------------------- people and their results


@bp.get("/")
@roles_required(*VIEW_ROLES)
def index():
    return redirect(url_for("org.people"))


@bp.get("/people")
@roles_required(*VIEW_ROLES)
def people():
    """The people the caller may see, filtered by unit (with its sub-units) and a search."""
    tree = load_tree()
    visible = scope.visible_unit_ids(current_user, tree)
    unit_id = id_arg("unit_id")
    if unit_id is not None:
        if unit_id not in tree.units:
            raise NotFound("单位不存在", code="unit_not_found")
        scope.require_visible_unit(current_user, unit_id, tree)
    form = PeopleFilterForm(request.args)
    form.unit_id.choices = _unit_choices(tree, visible, "全部（我可查看的单位）")
    query = select(User)
    if unit_id is not None:
        query = query.where(User.unit_id.in_(tree.subtree_ids(unit_id)))
    elif visible is not None:
        query = query.where(User.unit_id.in_(visible))
    text = (request.args.get("q") or "").strip()[:64]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.ilike(pattern, escape="\\"),
                                User.display_name.ilike(pattern, escape="\\")))
    page = db.paginate(query.order_by(User.unit_id, User.username), page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("org/people.html", form=form, page=page, args=args, tree=tree,
                           may_manage=scope.managed_unit_ids(current_user, tree) != frozenset())


@bp.get("/people/<int:user_id>")
@roles_required(*VIEW_ROLES)
def person(user_id: int):
    """One person's attempts and scores, and (for who manages them) a password reset."""
    user = accounts.get_user(user_id)
    tree = load_tree()
    scope.require_visible_user(current_user, user, tree)
    attempts = db.session.execute(
        select(Attempt, Quiz.title).join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == user.id).order_by(Attempt.started_at.desc())
    ).all()
    return render_template("org/person.html", person=user, attempts=attempts,
                           unit_path=tree.path(user.unit_id) if user.unit_id else "",
                           may_reset=scope.can_manage_user(current_user, user, tree),
                           reset_form=ResetPasswordForm())


# ---------------------------------------------------------------- 未参与名单


@bp.get("/non-participants")
@roles_required(*VIEW_ROLES)
def non_participants():
    """Who in the chosen unit's subtree has not finished the chosen quiz or series."""
    tree = load_tree()
    unit_id = _chosen_unit(tree)
    target = _target()
    rows = participation.non_participants(target, unit_id, tree) if target and unit_id else None
    return render_template("org/non_participants.html", form=_target_form(tree, unit_id, target),
                           target=target, unit_id=unit_id, unit_path=tree.path(unit_id) if unit_id else "",
                           rows=rows)


@bp.get("/non-participants.xlsx")
@roles_required(*VIEW_ROLES)
def non_participants_export():
    """The same list as .xlsx, with phones."""
    tree = load_tree()
    unit_id = _chosen_unit(tree)
    target = _target()
    if target is None or unit_id is None:
        abort(400, "请先选择测验、闯关或课程以及单位。")
    rows = participation.non_participants(target, unit_id, tree)
    return attachment(participation.non_participants_xlsx(target, rows),
                      participation.export_filename(target, tree.units[unit_id].name), XLSX_MIMETYPE)


# ---------------------------------------------------------------- accounts


def create_account(form, unit_in_scope) -> tuple[User, str | None] | None:
    """The 新建用户 form's operation, for the admin's page and the unit manager's: the typed password,
    or a generated one to show once, checked and hashed before the write block; the account added
    (the password to change at first sign-in) in the unit ``unit_in_scope()`` returns inside the
    block.  Returns (user, generated password or None), or None with the refusal shown on its field."""
    generated = None if form.password.data else user_admin.generate_password()
    try:
        password_hash = new_password_hash(form.password.data or generated, username=form.username.data,
                                          display_name=form.display_name.data)
        with write_block():
            user = user_admin.add_user(form.username.data, form.display_name.data, unit_in_scope(), form.role.data,
                                       password_hash, current_user, now_utc(), must_change_password=True,
                                       position=form.position.data)
            if "phone" in form:
                user.phone = (form.phone.data or "").strip() or None
    except DomainError as error:
        fields = {"username": form.username, "display_name": form.display_name, "unit_id": form.unit_id,
                  "role": form.role}
        show_domain_error(form, error, fields, form.password if error.code == "weak_password" else form.username)
        return None
    return user, generated


def reset_account_password(form, user_id: int, check_scope) -> tuple[User, str | None]:
    """The 重置密码 form's operation, for both pages: the typed or a generated password hashed before
    the write block, set on the account (which must change it at next sign-in) once
    ``check_scope(user)`` lets the caller manage it.  Returns (user, generated password or None);
    ValidationFailed for a password the policy refuses."""
    generated = None if form.password.data else user_admin.generate_password()
    owner = accounts.get_user(user_id)
    password_hash = new_password_hash(form.password.data or generated, username=owner.username,
                                      display_name=owner.display_name)
    with write_block():
        user = accounts.get_user(user_id)
        check_scope(user)
        user_admin.reset_password(user, password_hash, current_user, now_utc())
    return user, generated


@bp.route("/people/new", methods=["GET", "POST"])
@reads_first
@roles_required(*MANAGE_ROLES)
def user_new():
    """Create an account in a unit of the caller's subtree (the admin's operation, scoped)."""
    tree = load_tree()
    form = ManagedUserForm()
    form.unit_id.choices = _unit_choices(tree, scope.managed_unit_ids(current_user, tree), None)
    form.role.choices = [(role, ROLE_LABELS[role]) for role in scope.assignable_roles(current_user)]
    if request.method == "GET" and current_user.unit_id:
        form.unit_id.data = current_user.unit_id
    if form.validate_on_submit():
        scope.require_managed_unit(current_user, form.unit_id.data or None, tree)  # 403 outside the subtree

        def unit_in_scope():
            scope.require_managed_unit(current_user, form.unit_id.data or None)  # the tree as it is now
            return accounts.get_unit(form.unit_id.data)

        created = create_account(form, unit_in_scope)
        if created:
            user, generated = created
            if generated:
                return _credentials("用户已创建", [(user.username, user.display_name, generated)])
            flash(f"已创建用户 {user.username}，首次登录时需修改密码。", "success")
            return redirect(url_for("org.person", user_id=user.id))
    return render_template("org/user_form.html", form=form), 422 if form.errors else 200


@bp.post("/people/<int:user_id>/reset-password")
@reads_first
@roles_required(*MANAGE_ROLES)
def user_reset_password(user_id: int):
    """A new password the person must change at the next sign-in (the admin's operation, scoped)."""
    owner = accounts.get_user(user_id)
    scope.require_managed_user(current_user, owner)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash("；".join(m for messages in form.errors.values() for m in messages) or "请重试", "danger")
        return redirect(url_for("org.person", user_id=user_id))
    try:
        user, generated = reset_account_password(form, user_id, lambda user: scope.require_managed_user(current_user, user))
    except ValidationFailed as error:
        flash(error.message, "danger")
        return redirect(url_for("org.person", user_id=user_id))
    if generated:
        return _credentials("密码已重置", [(user.username, user.display_name, generated)])
    flash(f"已重置 {user.username} 的密码，该用户下次登录时需设置自己的密码。", "success")
    return redirect(url_for("org.person", user_id=user_id))


def _credentials(title: str, credentials):
    """The admin's one-time credentials page, printable and exportable, inside the manager's pages."""
    return render_template("admin/credentials.html", title=title, credentials=credentials,
                           layout="org/_layout.html", done_url=url_for("org.people"),
                           export_url=url_for("org.credentials_export"))


@bp.post("/credentials.xlsx")
@roles_required(*MANAGE_ROLES)
def credentials_export():
    """The initial passwords just shown, as .xlsx to hand out; the page sends them back, nothing is stored."""
    usernames, names, passwords = (request.form.getlist(key) for key in ("username", "display_name", "password"))
    if not usernames or not len(usernames) == len(names) == len(passwords) or len(usernames) > MAX_CREDENTIAL_ROWS \
            or any(len(value) > 128 for value in (*usernames, *names, *passwords)):
        abort(400, "没有可导出的初始密码，请在创建或导入后的页面上导出。")
    rows = list(zip(usernames, names, passwords))
    data = table_to_xlsx(["用户名", "姓名", "初始密码"], rows, sheet_title="初始密码")
    return attachment(data, "初始密码.xlsx", XLSX_MIMETYPE)


def _scoped_names(tree: UnitTree) -> set[str] | None:
    """Names of the units the caller manages (None: every unit)."""
    units = scope.managed_unit_ids(current_user, tree)
    return None if units is None else {tree.units[unit_id].name for unit_id in units}


def _parse_users(filename: str, data: bytes) -> dict:
    config = current_app.config
    return user_import.parse_user_upload(
        filename, data, hash_method=config["TEMPORARY_PASSWORD_HASH_METHOD"], min_length=config["PASSWORD_MIN_LENGTH"],
        unit_scope=_scoped_names(load_tree()), roles=scope.assignable_roles(current_user))


def _apply_users(pending, generated, form, actor, now):
    tree = load_tree()
    return user_import.apply_user_import(
        pending, form.on_existing.data, generated, actor, now, unit_scope=_scoped_names(tree),
        may_update=lambda user: scope.can_manage_user(actor, user, tree))


def _new_passwords(pending, _form) -> dict[str, tuple[str, str]]:
    return user_import.new_passwords(pending, current_app.config["TEMPORARY_PASSWORD_HASH_METHOD"])


def _import_pages() -> dict:
    """The admin's import templates, shown inside the manager's pages."""
    return {"layout": "org/_layout.html", "import_bp": "org", "section": "import"}


def user_import_view(*, roles: tuple[str, ...], url: str, done_endpoint: str, credentials, pages) -> TwoStepImport:
    """The one user import (upload -> preview -> confirm), inside the caller's scope (scope.py: admins every
    unit and role); the admin's pages and the unit manager's differ only in where it is shown and returns.

    ``credentials(title, rows)`` renders the one-time passwords page; ``pages()`` is the layout context."""

    def finished(result):
        flash(f"导入完成：新增 {result.created} 个用户，更新 {result.updated} 个，跳过 {result.skipped} 个。", "success")
        if result.credentials:
            return credentials("导入完成：请立即保存初始密码", result.credentials)
        return redirect(url_for(done_endpoint))

    return TwoStepImport(
        kind=user_import.KIND,
        name="user_import",
        roles=roles,
        upload_url=url,
        url=url,
        upload_template="admin/user_import_upload.html",
        preview_template="admin/user_import_preview.html",
        upload_form=UserUploadForm,
        confirm_form=ConfirmUserImportForm,
        parse=_parse_users,
        store=user_import.store_user_upload,
        build_preview=user_import.build_user_preview,
        prepare=_new_passwords,
        apply=_apply_users,
        finished=finished,
        cancelled_message="已取消本次导入，没有创建或修改任何用户。",
        confirm_hint="请选择已存在用户的处理方式后再确认（页面可能已过期，请刷新）。",
        upload_context=lambda: {"max_rows": user_import.MAX_USER_IMPORT_ROWS, **pages(),
                                "scoped_units": sorted(_scoped_names(load_tree()) or ())},
        preview_context=lambda _pending, _preview: pages(),
    )


USER_IMPORT = user_import_view(roles=MANAGE_ROLES, url="/people/import", done_endpoint="org.people",
                               credentials=_credentials, pages=_import_pages)
USER_IMPORT.register(bp)


@bp.get("/people/template.xlsx")
@roles_required(*MANAGE_ROLES)
def user_template():
    return attachment(user_import.user_template_xlsx(), "用户导入模板.xlsx", XLSX_MIMETYPE)


# ---------------------------------------------------------------- organizers: reminders


@bp.get("/reminders")
@roles_required(*ORGANIZER_ROLES)
def reminders():
    """Per unit (top level, or the children of ?unit_id=), how many have not started or finished."""
    tree = load_tree()
    parent_id = id_arg("unit_id")
    if parent_id is not None and parent_id not in tree.units:
        raise NotFound("单位不存在", code="unit_not_found")
    target = _target()
    rows = participation.unit_counts(target, parent_id, tree) if target else None
    crumbs = [(unit_id, tree.units[unit_id].name) for unit_id in reversed([parent_id, *tree.ancestors(parent_id)])] \
        if parent_id is not None else []
    return render_template("org/reminders.html", form=_target_form(tree, None, target, units=False), target=target,
                           rows=rows, parent_id=parent_id, crumbs=crumbs,
                           managed_count=len(participation.managed_units(tree)))


@bp.get("/reminders/export.zip")
@roles_required(*ORGANIZER_ROLES)
def reminders_export():
    """Every unit manager's 未参与名单 at once: a zip of .xlsx files named by unit."""
    target = _target()
    if target is None:
        abort(400, "请先选择测验、闯关或课程。")
    data = participation.all_managers_zip(target, load_tree())
    return attachment(data, f"各单位未参与名单-{target.title}.zip", "application/zip")
