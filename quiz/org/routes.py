"""The unit pages of the admin area: the indented tree, the unit form, merge/retire/restore/delete,
and the tree import.

They live on the admin blueprint (endpoints ``admin.units``, ``admin.unit_new``, ``admin.unit_edit``
... as before): :func:`register` adds them.  Every change goes through :mod:`quiz.org.units`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth_setup import roles_required
from ..database import atomic
from ..errors import DomainError
from ..forms import ActionForm, show_domain_error
from ..import_views import TwoStepImport
from ..models import UNIT_KINDS, Unit
from ..services import accounts
from ..services.clock import now_utc
from ..services.exports import XLSX_MIMETYPE
from ..trainer.common import download
from . import unit_import, units as unit_rules
from .forms import MergeForm, UnitForm, UnitUploadForm


def units():
    """The tree, indented: path, people, 编制人数, retired badge."""
    return render_template("admin/units.html", rows=unit_rules.tree_rows(), action_form=ActionForm())


def _parent_choices(unit: Unit | None) -> list[tuple[int, str]]:
    choices = [(0, "（无，顶层单位）"), *unit_rules.allowed_parents(unit)]
    if unit is not None and unit.parent is not None and unit.parent.retired_at is not None:
        choices.append((unit.parent.id, f"{unit.parent.name}（已停用）"))  # shown as it is; cannot be chosen anew
    return choices


def _unit_page(unit: Unit | None):
    """New unit (unit None) or edit one; a changed 上级单位 moves the unit with its people and subtree."""
    form = UnitForm(obj=unit if unit is not None and request.method == "GET" else None)
    form.parent_id.choices = _parent_choices(unit)
    if request.method == "GET":
        form.parent_id.data = (unit.parent_id or 0) if unit is not None else (request.args.get("parent_id", 0, type=int))
    if form.validate_on_submit():
        now = now_utc()
        try:
            with atomic():
                parent = unit_rules.get_open_parent(form.parent_id.data or None) if (
                    unit is None or (form.parent_id.data or None) != unit.parent_id) else unit.parent
                if unit is None:
                    added = unit_rules.add_unit(form.name.data, form.kind.data, form.headcount.data, current_user, now,
                                                parent=parent)
                    message = f"已新增单位“{added.name}”"
                else:
                    changed = unit_rules.update_unit(unit, form.name.data, form.kind.data, form.headcount.data,
                                                     current_user, now)
                    moved = unit_rules.move_unit(unit, parent, current_user, now)
                    message = "已保存单位信息" if changed or moved else "没有需要保存的修改"
        except DomainError as error:
            show_domain_error(form, error, {"name": form.name, "kind": form.kind, "headcount": form.headcount,
                                            "parent_id": form.parent_id}, form.name)
        else:
            flash(message, "success")
            return redirect(url_for("admin.units"))
    context = {}
    if unit is not None:
        merge_form = MergeForm()
        merge_form.target_id.choices = [(unit_id, path) for unit_id, path in unit_rules.allowed_parents(unit)]
        context = {"merge_form": merge_form, "action_form": ActionForm(), "people": unit_rules.people_count(unit),
                   "attempts": unit_rules.attempt_count(unit), "path": unit_rules.load_tree().path(unit.id)}
    return render_template("admin/unit_form.html", form=form, unit=unit, kinds=UNIT_KINDS, **context), \
        422 if form.errors else 200


def unit_new():
    return _unit_page(None)


def unit_edit(unit_id: int):
    return _unit_page(accounts.get_unit(unit_id))


def _action(unit_id: int, operation, done: str):
    """A POST button on a unit: run the operation, or show its refusal in Chinese; nothing half done."""
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("admin.unit_edit", unit_id=unit_id))
    unit = accounts.get_unit(unit_id)
    name = unit.name
    try:
        with atomic():
            operation(unit)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("admin.unit_edit", unit_id=unit_id))
    flash(done.format(name=name), "success")
    return redirect(url_for("admin.units"))


def unit_retire(unit_id: int):
    return _action(unit_id, lambda unit: unit_rules.retire_unit(unit, current_user, now_utc()),
                   "已停用单位“{name}”：历史成绩保留，不再接收新人员，不再出现在排行榜中")


def unit_restore(unit_id: int):
    return _action(unit_id, lambda unit: unit_rules.restore_unit(unit, current_user, now_utc()), "已恢复单位“{name}”")


def unit_delete(unit_id: int):
    return _action(unit_id, lambda unit: unit_rules.delete_unit(unit, current_user, now_utc()), "已删除单位“{name}”")


def unit_merge(unit_id: int):
    form = MergeForm()
    form.target_id.choices = []
    if not form.validate_on_submit() or not form.target_id.data:
        flash("请选择要合并到的单位（页面可能已过期，请刷新）。", "warning")
        return redirect(url_for("admin.unit_edit", unit_id=unit_id))
    source = accounts.get_unit(unit_id)
    name = source.name
    try:
        with atomic():
            target = accounts.get_unit(form.target_id.data)
            summary = unit_rules.merge_unit(source, target, current_user, now_utc())
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("admin.unit_edit", unit_id=unit_id))
    flash(f"已把“{name}”合并到“{summary['target']}”：{summary['people']} 人、{summary['children']} 个下级单位已移入", "success")
    return redirect(url_for("admin.units"))


# ---------------------------------------------------------------- tree import


def _units_imported(result):
    flash(f"导入完成：新增 {result.created} 个单位，修改 {result.updated} 个，移动 {result.moved} 个，"
          f"未变 {result.unchanged} 个。", "success")
    return redirect(url_for("admin.units"))


UNIT_IMPORT = TwoStepImport(
    kind=unit_import.KIND,
    name="unit_import",
    roles=("admin",),
    upload_url="/units/import",
    url="/units/import",
    upload_template="admin/unit_import_upload.html",
    preview_template="admin/unit_import_preview.html",
    upload_form=UnitUploadForm,
    parse=unit_import.parse_unit_upload,
    store=unit_import.store_unit_upload,
    build_preview=unit_import.build_unit_preview,
    apply=lambda pending, _prepared, form, actor, now: unit_import.apply_unit_import(pending, actor, now),
    finished=_units_imported,
    cancelled_message="已取消本次导入，没有创建或修改任何单位。",
    upload_context=lambda: {"max_rows": unit_import.MAX_UNIT_IMPORT_ROWS, "kinds": UNIT_KINDS},
)


def unit_template():
    return download(unit_import.unit_template_xlsx(), "单位导入模板.xlsx", XLSX_MIMETYPE)


def register(bp) -> None:
    """Add the unit pages to the admin blueprint ``bp`` (admins only)."""
    admin = roles_required("admin")
    rules = [
        ("/units", "units", units, ["GET"]),
        ("/units/new", "unit_new", unit_new, ["GET", "POST"]),
        ("/units/<int:unit_id>/edit", "unit_edit", unit_edit, ["GET", "POST"]),
        ("/units/<int:unit_id>/merge", "unit_merge", unit_merge, ["POST"]),
        ("/units/<int:unit_id>/retire", "unit_retire", unit_retire, ["POST"]),
        ("/units/<int:unit_id>/restore", "unit_restore", unit_restore, ["POST"]),
        ("/units/<int:unit_id>/delete", "unit_delete", unit_delete, ["POST"]),
        ("/units/template.xlsx", "unit_template", unit_template, ["GET"]),
    ]
    for rule, endpoint, view, methods in rules:
        bp.add_url_rule(rule, endpoint=endpoint, view_func=admin(view), methods=methods)
    UNIT_IMPORT.register(bp)
