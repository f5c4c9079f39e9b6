"""Record pages: 我的培训档案 and a person's record (page, PDF, .xlsx, corrections), the
单位培训台账 (page and .xlsx), and the admins' yearly requirements."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..auth_setup import roles_required
from ..database import atomic
from ..downloads import attachment, safe_filename
from ..errors import DomainError, NotFound
from ..forms import save_form, show_domain_error
from ..models import CORRECTION_ACTION_LABELS, RECORD_ENTRY_KIND_LABELS, REQUIREMENT_METRIC_LABELS, User
from ..org import scope
from ..org.tree import load_tree
from ..services import accounts
from ..services.clock import now_utc
from ..services.exports import XLSX_MIMETYPE, table_to_xlsx
from ..trainer.common import page_number
from . import access, exports, ledger, requirements, services
from .forms import ActionForm, CorrectionForm, RequirementForm

bp = Blueprint("records", __name__, url_prefix="/records")

PDF_MIMETYPE = "application/pdf"


def _year(now) -> int:
    return services.parse_year(request.args.get("year"), now)


def _year_choices(year: int, now) -> list[int]:
    this_year = services.year_of(now)
    return sorted({*range(this_year - 4, this_year + 1), year}, reverse=True)


def _correction_form(record: services.TrainingRecord) -> CorrectionForm:
    form = CorrectionForm()
    form.entry.choices = [SelectChoice("", "（补录时不选）")] + [
        SelectChoice(e.key, f"{e.date.strftime('%m-%d') if e.date else ''} {e.kind_label} {e.title}")
        for e in record.entries if e.counts]
    return form


def _render_record(person: User, record, form: CorrectionForm | None, status: int = 200):
    now = record.generated_at
    return render_template(
        "records/person.html", person=person, record=record, form=form, own=person.id == current_user.id,
        may_correct=access.can_correct_record(current_user, person), years=_year_choices(record.year, now),
        action_labels=CORRECTION_ACTION_LABELS, kind_labels=RECORD_ENTRY_KIND_LABELS), status


@bp.get("/me")
@roles_required()
def me():
    """我的培训档案: the caller's own record of a year."""
    return person(current_user.id)


@bp.get("/users/<int:user_id>")
@roles_required()
def person(user_id: int):
    """A person's record of a year (the person, staff, and the managers of the person's unit subtree)."""
    person, record = _viewable_record(user_id)
    form = _correction_form(record) if access.can_correct_record(current_user, person) else None
    return _render_record(person, record, form)


def _viewable_record(user_id: int) -> tuple[User, services.TrainingRecord]:
    """The person and their record of the requested year, if the caller may see it (else 403/404)."""
    person = accounts.get_user(user_id)
    access.require_record_view(current_user, person)
    now = now_utc()
    return person, services.training_record(person, _year(now), now)


def _record_filename(record: services.TrainingRecord, extension: str) -> str:
    return safe_filename(f"个人培训档案-{record.user.display_name}-{record.year}.{extension}")


@bp.get("/users/<int:user_id>/record.pdf")
@roles_required()
def person_pdf(user_id: int):
    """The record as a printable A4 PDF with signature lines."""
    _, record = _viewable_record(user_id)
    data = exports.record_pdf(record, issuer=current_app.config.get("CERTIFICATE_ISSUER") or "区文化和旅游局",
                              font_path=current_app.config.get("CERTIFICATE_FONT_PATH"))
    return attachment(data, _record_filename(record, "pdf"), PDF_MIMETYPE)


@bp.get("/users/<int:user_id>/record.xlsx")
@roles_required()
def person_xlsx(user_id: int):
    _, record = _viewable_record(user_id)
    return attachment(exports.record_xlsx(record), _record_filename(record, "xlsx"), XLSX_MIMETYPE)


@bp.post("/users/<int:user_id>/corrections")
@roles_required(*scope.VIEW_ROLES)
def correction_new(user_id: int):
    """作废 / 更正 / 补录: a new correction row (never an edit), with its audit entry; a refusal changes nothing."""
    person = accounts.get_user(user_id)
    access.require_record_correction(current_user, person)
    now = now_utc()
    year = _year(now)
    record = services.training_record(person, year, now)
    form = _correction_form(record)
    if form.validate_on_submit():
        try:
            with atomic():
                correction = services.add_correction(person, year, form.fields_data(), current_user, now)
        except DomainError as error:
            show_domain_error(form, error, form.field_map(), form.reason)
        else:
            flash(f"已{CORRECTION_ACTION_LABELS[correction.action]}，并记入操作日志。", "success")
            return redirect(url_for("records.person", user_id=person.id, year=year))
    return _render_record(person, services.training_record(person, year, now), form, 422)


# ---------------------------------------------------------------- the unit ledger


@bp.get("/units")
@roles_required(*scope.VIEW_ROLES)
def units():
    """The units whose 台账 the caller may open (a manager: straight to their own unit)."""
    tree = load_tree()
    visible = scope.visible_unit_ids(current_user, tree)
    if visible is not None:
        if current_user.unit_id is None or current_user.unit_id not in tree.units:
            raise scope.OutOfScope("您尚未分配单位，没有可查看的培训台账")
        year = request.args.get("year")
        return redirect(url_for("records.unit", unit_id=current_user.unit_id, **({"year": year} if year else {})))
    rows = [(unit_id, tree.depth(unit_id)) for root in tree.roots() for unit_id in tree.subtree_ids(root)]
    return render_template("records/units.html", tree=tree, rows=rows, year=_year(now_utc()))


def _ledger(unit_id: int):
    tree = load_tree()
    if unit_id not in tree.units:
        raise NotFound("单位不存在", code="unit_not_found")
    scope.require_visible_unit(current_user, unit_id, tree)
    now = now_utc()
    year = _year(now)
    reqs, rows = ledger.unit_ledger(unit_id, year, tree)
    return tree, now, year, reqs, rows


@bp.get("/units/<int:unit_id>")
@roles_required(*scope.VIEW_ROLES)
def unit(unit_id: int):
    """单位培训台账: everyone of the unit's subtree with 学时 and compliance; ``behind=1``: only 未达标."""
    tree, now, year, reqs, rows = _ledger(unit_id)
    behind = request.args.get("behind") == "1"
    shown = [row for row in rows if not row.met] if behind else rows
    page = ledger.ListPage(shown, page_number())
    return render_template("records/unit.html", tree=tree, unit=tree.units[unit_id], year=year, requirements=reqs,
                           page=page, behind=behind, total=len(rows), behind_count=sum(1 for r in rows if not r.met),
                           years=_year_choices(year, now), unit_path=ledger.unit_path(tree, unit_id),
                           children=tree.child_ids(unit_id))


@bp.get("/units/<int:unit_id>/ledger.xlsx")
@roles_required(*scope.VIEW_ROLES)
def unit_xlsx(unit_id: int):
    tree, now, year, reqs, rows = _ledger(unit_id)
    if request.args.get("behind") == "1":
        rows = [row for row in rows if not row.met]
    data = table_to_xlsx(ledger.ledger_headers(reqs), (ledger.ledger_cells(row) for row in rows), sheet_title="培训台账")
    return attachment(data, safe_filename(f"单位培训台账-{tree.units[unit_id].name}-{year}.xlsx"), XLSX_MIMETYPE)


# ---------------------------------------------------------------- yearly requirements (admins)


@bp.get("/requirements")
@roles_required("admin")
def requirement_list():
    """Every requirement, active first, with whom it binds and its basis."""
    return render_template("records/requirements.html", requirements=requirements.all_requirements(),
                           metric_labels=REQUIREMENT_METRIC_LABELS, action=ActionForm())


@bp.route("/requirements/new", methods=["GET", "POST"])
@roles_required("admin")
def requirement_new():
    form = RequirementForm()
    saved = save_form(form, lambda fields: requirements.create_requirement(fields, current_user, now_utc()), form.name)
    if saved is None:
        return render_template("records/requirement_form.html", form=form, requirement=None), \
            (422 if request.method == "POST" else 200)
    flash(f"已新增培训要求“{saved.name}”。", "success")
    return redirect(url_for("records.requirement_list"))


@bp.route("/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def requirement_edit(requirement_id: int):
    requirement = requirements.get_requirement(requirement_id)
    form = RequirementForm()
    if request.method == "GET":
        form.fill(requirements.RequirementFields.of(requirement))
    changes = save_form(form, lambda fields: requirements.update_requirement(requirement, fields, current_user, now_utc()),
                        form.name)
    if changes is None:
        return render_template("records/requirement_form.html", form=form, requirement=requirement), \
            (422 if request.method == "POST" else 200)
    flash("已保存修改。" if changes else "没有需要保存的修改。", "success")
    return redirect(url_for("records.requirement_list"))


@bp.post("/requirements/<int:requirement_id>/active")
@roles_required("admin")
def requirement_active(requirement_id: int):
    """启用 / 停用 a requirement (``active=1`` / ``0``)."""
    requirement = requirements.get_requirement(requirement_id)
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
    else:
        active = request.form.get("active") == "1"
        requirements.set_active(requirement, active, current_user, now_utc())
        flash(f"已{'启用' if active else '停用'}“{requirement.name}”。", "success")
    return redirect(url_for("records.requirement_list"))
