"""线下培训 pages: the trainers' session list, form, detail with attendance (ticked from a list,
imported, exported as the 签到表), the projector's rotating QR page; and the employees' sign-in
(scan -> confirm, or type the 6-digit code).  Views never commit: the request boundary does."""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import SelectChoice

from question_bank import FileRejected

from ..auth_setup import roles_required
from ..database import atomic
from ..downloads import attachment
from ..errors import DomainError, NotFound
from ..extensions import db, limiter
from ..forms import save_form, show_domain_error
from ..import_views import ReadUpload, TwoStepImport
from ..models import ATTENDANCE_METHOD_LABELS, STAFF_ROLES, Quiz, Unit, User
from ..params import database_id, id_arg, int_arg
from ..proxies import absolute_url
from ..services.clock import now_utc, to_campaign_tz
from ..services.exports import XLSX_MIMETYPE, table_to_xlsx
from ..training import qrcodes
from . import attendance_import, services
from .forms import ActionForm, AttendanceUploadForm, CheckinForm, SessionForm
from .services import SessionFields

bp = Blueprint("offline", __name__, url_prefix="/offline")

#: people per page on the tick-from-a-list page
PEOPLE_PER_PAGE = 50
#: how often the projector page asks for the current code (seconds)
QR_POLL_SECONDS = 3
#: sign-in attempts per person (failed ones only): 10 a minute cannot find 1 of 10^6 codes in 30 s
DEFAULT_CHECKIN_RATE_LIMIT = "10 per minute;60 per hour"


def _checkin_limit() -> str:
    return current_app.config.get("OFFLINE_CHECKIN_RATE_LIMIT", DEFAULT_CHECKIN_RATE_LIMIT)


def _checkin_key() -> str:
    """Counted per person (an intranet's phones may share one address behind a proxy)."""
    return f"checkin:{current_user.id}" if current_user.is_authenticated else f"checkin-ip:{request.remote_addr}"


def _failed_checkin(response) -> bool:
    return response.status_code != 302


#: one budget per person for every way of typing a code (the two pages and the API)
CHECKIN_LIMIT_SCOPE = "offline-checkin"
checkin_limited = limiter.shared_limit(_checkin_limit, scope=CHECKIN_LIMIT_SCOPE, key_func=_checkin_key,
                                       methods=["POST"], deduct_when=_failed_checkin)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _local(value, fmt="%Y-%m-%d %H:%M"):
    local = to_campaign_tz(value)
    return "" if local is None else local.strftime(fmt)


# ---------------------------------------------------------------- trainers: sessions


def _session_form() -> SessionForm:
    form = SessionForm()
    quizzes = db.session.scalars(select(Quiz).where(Quiz.kind != "level").order_by(Quiz.id.desc())).all()
    form.quiz_id.choices = [SelectChoice(0, "不需要考核")] + [
        SelectChoice(q.id, f"{q.title}{'' if q.is_published else '（未发布）'}") for q in quizzes]
    return form


@bp.get("/sessions")
@roles_required(*STAFF_ROLES)
def sessions():
    """Every session: upcoming and running (soonest first), then past ones (newest first)."""
    now = now_utc()
    upcoming, past = services.sessions_split(now)
    counts = services.attendance_counts(s.id for s in upcoming + past)
    return render_template("offline/sessions.html", upcoming=upcoming, past=past, counts=counts, now=now,
                           open_now={s.id for s in upcoming if services.checkin_open(s, now)})


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def session_new():
    form = _session_form()
    if request.method == "GET":
        form.hours.data = 1
    session = save_form(form, lambda fields: services.create_session(fields, current_user, now_utc()), form.title)
    if session is None:
        return render_template("offline/session_form.html", form=form, session=None,
                               categories=services.SUGGESTED_CATEGORIES), (422 if request.method == "POST" else 200)
    flash("已创建线下培训。", "success")
    return redirect(url_for("offline.session_detail", session_id=session.id))


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def session_edit(session_id: int):
    session = services.get_session(session_id)
    form = _session_form()
    if request.method == "GET":
        form.fill(SessionFields.of(session))
    changes = save_form(form, lambda fields: services.update_session(session, fields, current_user, now_utc()),
                        form.title)
    if changes is None:
        return render_template("offline/session_form.html", form=form, session=session,
                               attended=services.attendance_count(session),
                               categories=services.SUGGESTED_CATEGORIES), (422 if request.method == "POST" else 200)
    flash("已保存修改。" if changes else "没有需要保存的修改。", "success")
    return redirect(url_for("offline.session_detail", session_id=session.id))


@bp.get("/sessions/<int:session_id>")
@roles_required(*STAFF_ROLES)
def session_detail(session_id: int):
    """A session and its attendance: who, unit, how, when."""
    session = services.get_session(session_id)
    now = now_utc()
    return render_template("offline/session_detail.html", session=session, rows=_attendance_rows(session),
                           methods=ATTENDANCE_METHOD_LABELS, open_now=services.checkin_open(session, now),
                           opens_at=services.checkin_opens_at(session))


def _attendance_rows(session):
    rows = services.attendance_list(session)
    user_ids = {row.user_id for row in rows} | {row.recorded_by_id for row in rows if row.recorded_by_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    return [{"row": row, "user": users.get(row.user_id), "unit": units.get(getattr(users.get(row.user_id), "unit_id", None), ""),
             "recorded_by": users.get(row.recorded_by_id)} for row in rows]


@bp.get("/sessions/<int:session_id>/attendance.xlsx")
@roles_required(*STAFF_ROLES)
def session_export(session_id: int):
    """The 签到表 as .xlsx (the project's one writer)."""
    session = services.get_session(session_id)
    headers = ["序号", "姓名", "用户名", "单位", "签到方式", "签到时间", "登记人"]
    table = [[index, item["user"].display_name if item["user"] else "", item["user"].username if item["user"] else "",
              item["unit"], ATTENDANCE_METHOD_LABELS.get(item["row"].method, item["row"].method),
              _local(item["row"].signed_at, "%Y-%m-%d %H:%M:%S"),
              item["recorded_by"].display_name if item["recorded_by"] else ""]
             for index, item in enumerate(_attendance_rows(session), start=1)]
    data = table_to_xlsx(headers, table, sheet_title="签到表")
    return attachment(data, f"签到表-{session.title}-{_local(session.starts_at, '%Y%m%d')}.xlsx", XLSX_MIMETYPE)


# ---------------------------------------------------------------- trainers: attendance by list


@bp.route("/sessions/<int:session_id>/add", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def session_add(session_id: int):
    """Tick people from a list (search by name or username, filter by unit, 50 a page)."""
    session = services.get_session(session_id)
    q = (request.args.get("q") or "").strip()[:64]
    unit_id = id_arg("unit")
    page = int_arg("page", 1)
    status = 200
    if request.method == "POST":
        status = 422
        if not ActionForm().validate_on_submit():
            flash("页面已过期，请重试。", "warning")
        else:
            try:
                ids = [database_id(v) for v in request.form.getlist("user_id")]
            except (TypeError, ValueError):
                ids = None
            if ids is None:
                flash("所选人员无效，请刷新后重试。", "danger")
            else:
                try:
                    with atomic():
                        result = services.add_attendees(session, services.users_by_ids(ids), "list",
                                                        current_user, now_utc())
                except DomainError as error:
                    flash(error.message, "danger")
                else:
                    message = f"已登记 {len(result.added)} 人。"
                    if result.already:
                        message += f"{len(result.already)} 人此前已签到，未重复登记。"
                    flash(message, "success")
                    return redirect(url_for("offline.session_add", session_id=session.id, q=q or None,
                                            unit=unit_id, page=page if page > 1 else None))
    query = select(User).where(User.is_enabled.is_(True))
    if q:
        pattern = "%" + _escape_like(q) + "%"
        query = query.where(or_(User.display_name.ilike(pattern, escape="\\"), User.username.ilike(pattern, escape="\\")))
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, (total + PEOPLE_PER_PAGE - 1) // PEOPLE_PER_PAGE)
    page = min(page, pages)
    people = db.session.scalars(query.order_by(User.display_name, User.id)
                                .offset((page - 1) * PEOPLE_PER_PAGE).limit(PEOPLE_PER_PAGE)).all()
    present = set(db.session.scalars(select(services.SessionAttendance.user_id).where(
        services.SessionAttendance.session_id == session.id)))
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.retired_at.is_(None)).order_by(Unit.name)).all()
    unit_names = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    return render_template("offline/session_add.html", session=session, people=people, present=present,
                           units=units, unit_names=unit_names, q=q, unit_id=unit_id, page=page, pages=pages,
                           total=total, form=ActionForm()), status


# ---------------------------------------------------------------- trainers: attendance import


def _read_attendance_form(form: AttendanceUploadForm) -> ReadUpload:
    try:
        session_id = database_id(form.session_id.data or "")
    except (TypeError, ValueError):
        raise FileRejected("missing_column", "请从培训详情页进入导入页面") from None
    upload = form.file.data
    try:
        payload = attendance_import.parse_upload(session_id, upload.filename or "", upload.read())
    except NotFound as error:
        raise FileRejected("missing_column", error.message) from None
    return ReadUpload(upload.filename or "", payload)


def _imported(outcome):
    session, result = outcome
    message = f"导入完成：新增签到 {len(result.added)} 人。"
    if result.already:
        message += f"{len(result.already)} 人此前已签到。"
    flash(message, "success")
    return redirect(url_for("offline.session_detail", session_id=session.id))


def _upload_context() -> dict:
    session_id = id_arg("session")
    session = services.get_session(session_id) if session_id else None
    return {"session": session, "max_rows": attendance_import.MAX_ROWS}


ATTENDANCE_IMPORT = TwoStepImport(
    kind=attendance_import.KIND,
    name="attendance_import",
    roles=STAFF_ROLES,
    upload_url="/import",
    url="/import",
    upload_template="offline/import_upload.html",
    preview_template="offline/import_preview.html",
    upload_form=AttendanceUploadForm,
    parse=lambda filename, data: {},  # read_form does the reading (it needs the session)
    read_form=_read_attendance_form,
    store=attendance_import.store_upload,
    build_preview=attendance_import.build_preview,
    apply=lambda pending, _prepared, form, actor, now: attendance_import.apply_import(pending, actor, now),
    finished=_imported,
    cancelled_message="已取消本次导入，没有登记任何人。",
    upload_context=_upload_context,
)
ATTENDANCE_IMPORT.register(bp)


@bp.get("/import/template.xlsx")
@roles_required(*STAFF_ROLES)
def attendance_template():
    return attachment(attendance_import.template_xlsx(), "签到导入模板.xlsx", XLSX_MIMETYPE)


# ---------------------------------------------------------------- the projector


def _checkin_url(session, code: str) -> str:
    return absolute_url("offline.checkin", session_id=session.id, c=code)


def _data_uri(svg: str) -> str:
    """The QR as an <img> source (the page's CSP allows data: images, not inline SVG styles)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _qr_state(session) -> dict:
    now = now_utc()
    is_open = services.checkin_open(session, now)
    state = {"open": is_open, "count": services.attendance_count(session),
             "seconds_left": services.seconds_left_in_step(now), "step_seconds": services.STEP_SECONDS}
    if is_open:
        code = services.current_code(session, now)
        url = _checkin_url(session, code)
        state.update(code=code, url=url, qr=_data_uri(qrcodes.qr_svg(url)), message="")
    else:
        state.update(code=None, url=None, qr=None,
                     message=("签到尚未开始，将于 " + _local(services.checkin_opens_at(session)) + " 开放")
                     if now < session.starts_at else "签到已结束")
    state["recent"] = list(db.session.scalars(
        select(User.display_name).join(services.SessionAttendance, services.SessionAttendance.user_id == User.id)
        .where(services.SessionAttendance.session_id == session.id)
        .order_by(services.SessionAttendance.signed_at.desc(), services.SessionAttendance.id.desc()).limit(5)))
    return state


@bp.get("/sessions/<int:session_id>/qr")
@roles_required(*STAFF_ROLES)
def session_qr(session_id: int):
    """Full screen for the projector: the rotating QR code, its 6 digits and the live count."""
    session = services.get_session(session_id)
    return render_template("offline/qr.html", session=session, state=_qr_state(session), poll=QR_POLL_SECONDS,
                           manual_url=absolute_url("offline.checkin_manual"))


@bp.get("/sessions/<int:session_id>/qr.json")
@roles_required(*STAFF_ROLES)
def session_qr_state(session_id: int):
    """The projector's poll: current code, its URL and QR (SVG), seconds left, attendance count."""
    return jsonify(_qr_state(services.get_session(session_id)))


# ---------------------------------------------------------------- employees: sign-in


def _signed_in_page(session, result):
    return render_template("offline/checkin_done.html", session=session, attendance=result.attendance,
                           created=result.created, methods=ATTENDANCE_METHOD_LABELS)


@bp.get("/checkin/<int:session_id>")
@roles_required()
def checkin(session_id: int):
    """Where the QR code leads (after login if needed): the session and a 确认签到 button."""
    session = services.get_session(session_id)
    existing = services.attendance_of(session, current_user)
    if existing is not None:
        return _signed_in_page(session, services.CheckinResult(existing, False))
    form = CheckinForm()
    form.code.data = services.normalize_code(request.args.get("c"))[:20]
    return render_template("offline/checkin.html", session=session, form=form,
                           open_now=services.checkin_open(session, now_utc()))


@bp.post("/checkin/<int:session_id>")
@roles_required()
@checkin_limited
def checkin_confirm(session_id: int):
    session = services.get_session(session_id)
    form = CheckinForm()
    if form.validate_on_submit():
        try:
            with atomic():
                result = services.sign_in_with_code(session, current_user, form.code.data, now_utc())
        except DomainError as error:
            show_domain_error(form, error, {}, form.code)
            form.code.data = ""
        else:
            flash("签到成功。" if result.created else "您已签到，无需重复签到。", "success")
            return redirect(url_for("offline.checkin_result", session_id=session.id))
    return render_template("offline/checkin.html", session=session, form=form,
                           open_now=services.checkin_open(session, now_utc())), 422


@bp.get("/checkin/<int:session_id>/done")
@roles_required()
def checkin_result(session_id: int):
    """签到成功 (or 已签到): the session, the time, and its 考核 quiz when one is attached."""
    session = services.get_session(session_id)
    existing = services.attendance_of(session, current_user)
    if existing is None:
        return redirect(url_for("offline.checkin", session_id=session.id))
    return _signed_in_page(session, services.CheckinResult(existing, False))


@bp.route("/checkin", methods=["GET", "POST"])
@roles_required()
@checkin_limited
def checkin_manual():
    """Type the 6-digit code shown on the screen (for a phone that cannot scan)."""
    form = CheckinForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            now = now_utc()
            try:
                with atomic():
                    session = services.session_for_code(form.code.data, now)
                    services.sign_in_with_code(session, current_user, form.code.data, now)
            except DomainError as error:
                show_domain_error(form, error, {}, form.code)
            else:
                return redirect(url_for("offline.checkin_result", session_id=session.id))
    return render_template("offline/checkin_manual.html", form=form), status
