"""Learning pages: 学习 (an employee's courses, progress and 学时 this year), a course and its
items (article, accident case, PDF in the page, video with range requests), the files; and the
trainers' course management (create, edit, items, uploads, publish)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from ..auth_setup import roles_required
from ..database import atomic
from ..errors import DomainError, NotFound
from ..extensions import db
from ..forms import add_field_error, save_form, show_domain_error
from ..models import COURSE_ITEM_KIND_LABELS, COURSE_ITEM_KINDS, STAFF_ROLES, Course, CourseItem, Quiz, Unit
from ..services.clock import CAMPAIGN_TZ, now_utc
from . import files, services
from .forms import ActionForm, CourseForm, ImageForm, ItemForm
from .markdown import render_markdown
from .services import CourseFields, ItemFields

bp = Blueprint("learning", __name__, url_prefix="/learning")


def upload_limit(*kinds: str):
    """The body limit of an upload view: the largest allowed file of ``kinds`` plus 1 MB of form."""
    def decorator(view):
        view.max_content_length = lambda: max(files.limit_bytes(kind) for kind in kinds) + 1024 * 1024
        return view
    return decorator


@bp.app_template_filter("markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@bp.app_template_filter("hours")
def hours_filter(value) -> str:
    return f"{float(value or 0):g}"


# ---------------------------------------------------------------- employees


@bp.get("/")
@roles_required()
def index():
    """学习: the caller's courses with progress, and the 学时 credited this year."""
    now = now_utc()
    year = now.astimezone(CAMPAIGN_TZ).year
    statuses = [services.course_status(current_user, c) for c in services.courses_for(current_user, now)]
    return render_template("learning/index.html", statuses=statuses, year=year,
                           hours=services.hours_in_year(current_user.id, year),
                           completions=services.completions_in_year(current_user.id, year))


@bp.get("/courses/<int:course_id>")
@roles_required()
def course(course_id: int):
    """A course: its items with the caller's progress, the linked quiz, the 学时 once credited."""
    course = services.course_for(current_user, course_id, now_utc())
    return render_template("learning/course.html", course=course, status=services.course_status(current_user, course))


@bp.get("/courses/<int:course_id>/items/<int:item_id>")
@roles_required()
def item(course_id: int, item_id: int):
    """One item to study; its page reports progress to the server (static/js/learning.js)."""
    course = services.course_for(current_user, course_id, now_utc())
    item = db.session.get(CourseItem, item_id)
    if item is None or item.course_id != course.id:
        raise NotFound("找不到该学习内容")
    status = services.course_status(current_user, course)
    items = list(course.items)
    index = items.index(item)
    return render_template(
        "learning/item.html", course=course, item=item, status=status, progress=status.progress.get(item.id),
        previous=items[index - 1] if index > 0 else None, next=items[index + 1] if index + 1 < len(items) else None,
        heartbeat_seconds=current_app.config["LEARNING_HEARTBEAT_SECONDS"],
        complete_share=services.VIDEO_COMPLETE_SHARE)


@bp.get("/files/<int:file_id>")
@roles_required()
def file(file_id: int):
    """A course file, inline; Range requests answer 206 so a phone's player can seek."""
    return files.send_course_file(services.file_for(current_user, file_id, now_utc()))


# ---------------------------------------------------------------- trainers


def _course_form(course: Course | None = None) -> CourseForm:
    form = CourseForm()
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.id.desc())).all()
    form.quiz_id.choices = [SelectChoice(0, "不需要测验")] + [
        SelectChoice(q.id, f"{q.title}{'' if q.is_published else '（未发布）'}") for q in quizzes]
    form.unit_ids.choices = [SelectChoice(u.id, u.name) for u in db.session.scalars(
        select(Unit).where(Unit.retired_at.is_(None)).order_by(Unit.name))]
    return form


@bp.get("/manage")
@roles_required(*STAFF_ROLES)
def manage():
    """Every course, newest first, with its items and whether it is published."""
    courses = db.session.scalars(select(Course).order_by(Course.id.desc())).all()
    return render_template("learning/manage.html", courses=courses)


@bp.route("/manage/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def course_new():
    form = _course_form()
    if request.method == "GET":
        form.fill(CourseFields("", hours=0.5))
    course = save_form(form, lambda fields: services.create_course(fields, current_user, now_utc()), form.title)
    if course is None:
        return render_template("learning/course_form.html", form=form, course=None), (422 if request.method == "POST" else 200)
    flash("已创建课程，请添加学习内容后发布。", "success")
    return redirect(url_for("learning.course_manage", course_id=course.id))


@bp.route("/manage/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def course_edit(course_id: int):
    course = db.get_or_404(Course, course_id)
    form = _course_form(course)
    if request.method == "GET":
        form.fill(CourseFields.of(course))
    changes = save_form(form, lambda fields: services.update_course(course, fields, current_user, now_utc()),
                        form.title)
    if changes is None:
        return render_template("learning/course_form.html", form=form, course=course), (422 if request.method == "POST" else 200)
    flash("已保存修改。" if changes else "没有需要保存的修改。", "success")
    return redirect(url_for("learning.course_manage", course_id=course.id))


@bp.get("/manage/<int:course_id>")
@roles_required(*STAFF_ROLES)
def course_manage(course_id: int):
    """A course's items (add, edit, reorder, remove), its images, and the publish switch."""
    course = db.get_or_404(Course, course_id)
    images = [f for f in db.session.scalars(select(files.CourseFile).where(
        files.CourseFile.course_id == course.id, files.CourseFile.kind == "image").order_by(files.CourseFile.id))]
    return render_template("learning/course_manage.html", course=course, action=ActionForm(), image_form=ImageForm(),
                           images=images, kinds=COURSE_ITEM_KIND_LABELS, problem=services.publish_problem(course),
                           limits={k: files.megabytes(files.limit_bytes(k)) for k in files.FILE_KINDS})


@bp.post("/manage/<int:course_id>/publish")
@roles_required(*STAFF_ROLES)
def course_publish(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("learning.course_manage", course_id=course.id))
    publish = request.form.get("publish") == "1"
    try:
        with atomic():
            services.set_published(course, publish, current_user, now_utc())
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash("已发布课程。" if publish else "已取消发布。", "success")
    return redirect(url_for("learning.course_manage", course_id=course.id))


def _upload_from(form_field, kind: str, course: Course):
    """The file sent in ``form_field`` stored as a CourseFile, None when none was chosen."""
    storage = form_field.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return files.store_upload(course, kind, storage.stream, storage.filename, current_user, now_utc())


def _save_item(form: ItemForm, course: Course, kind: str, operation):
    """Validate, store the upload (if any) and run ``operation(fields, upload)`` in a savepoint;
    on a refusal nothing is kept, on disk or in the database."""
    try:
        if not form.validate_on_submit():
            return None
    except RequestEntityTooLarge:
        add_field_error(form.file, f"文件太大，上限 {files.megabytes(files.limit_bytes(kind))}")
        return None
    stored = None
    try:
        with atomic():
            fields = services.check_item(form.fields_data(kind))
            stored = _upload_from(form.file, kind, course) if kind in ("pdf", "video") else None
            return operation(fields, stored)
    except DomainError as error:
        if stored is not None:
            files.file_path(stored).unlink(missing_ok=True)
        show_domain_error(form, error, form.field_map() | {"file": form.file}, form.title)
        return None


@bp.route("/manage/<int:course_id>/items/new/<kind>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
@upload_limit("pdf", "video")
def item_new(course_id: int, kind: str):
    course = db.get_or_404(Course, course_id)
    if kind not in COURSE_ITEM_KINDS:
        raise NotFound("没有这种学习内容")
    form = ItemForm()
    if request.method == "GET":
        form.required_seconds.data = current_app.config["LEARNING_DEFAULT_REQUIRED_SECONDS"]

    def add(fields: ItemFields, stored):
        if kind in ("pdf", "video") and stored is None:
            raise DomainError("请选择要上传的文件", field="file")
        return services.add_item(course, fields, stored, current_user, now_utc())

    item = _save_item(form, course, kind, add) if request.method == "POST" else None
    if item is None:
        return render_template("learning/item_form.html", form=form, course=course, item=None, kind=kind,
                               limits={k: files.megabytes(files.limit_bytes(k)) for k in files.FILE_KINDS}), \
            (422 if request.method == "POST" else 200)
    flash(f"已添加{item.kind_label}“{item.title}”。", "success")
    return redirect(url_for("learning.course_manage", course_id=course.id))


@bp.route("/manage/<int:course_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
@upload_limit("pdf", "video")
def item_edit(course_id: int, item_id: int):
    course = db.get_or_404(Course, course_id)
    item = db.session.get(CourseItem, item_id)
    if item is None or item.course_id != course.id:
        raise NotFound("找不到该学习内容")
    form = ItemForm()
    if request.method == "GET":
        form.fill(ItemFields.of(item))
    changes = _save_item(form, course, item.kind,
                         lambda fields, stored: services.update_item(item, fields, stored, current_user, now_utc())) \
        if request.method == "POST" else None
    if changes is None:
        return render_template("learning/item_form.html", form=form, course=course, item=item, kind=item.kind,
                               limits={k: files.megabytes(files.limit_bytes(k)) for k in files.FILE_KINDS}), \
            (422 if request.method == "POST" else 200)
    flash("已保存修改。" if changes else "没有需要保存的修改。", "success")
    return redirect(url_for("learning.course_manage", course_id=course.id))


@bp.post("/manage/<int:course_id>/items/<int:item_id>/<any(up, down, remove):action>")
@roles_required(*STAFF_ROLES)
def item_action(course_id: int, item_id: int, action: str):
    """上移 / 下移 / 删除 an item."""
    course = db.get_or_404(Course, course_id)
    item = db.session.get(CourseItem, item_id)
    if item is None or item.course_id != course.id:
        raise NotFound("找不到该学习内容")
    if not ActionForm().validate_on_submit():
        flash("页面已过期，请重试。", "warning")
    elif action == "remove":
        services.remove_item(item, current_user, now_utc())
        flash(f"已删除“{item.title}”。", "success")
    else:
        services.move_item(item, -1 if action == "up" else 1, current_user, now_utc())
    return redirect(url_for("learning.course_manage", course_id=course.id))


@bp.post("/manage/<int:course_id>/images")
@roles_required(*STAFF_ROLES)
@upload_limit("image")
def image_upload(course_id: int):
    """An image for the course's articles: its address goes into the Markdown."""
    course = db.get_or_404(Course, course_id)
    form = ImageForm()
    try:
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        flash(f"图片太大，上限 {files.megabytes(files.limit_bytes('image'))}", "danger")
        return redirect(url_for("learning.course_manage", course_id=course.id))
    if not valid or not getattr(form.image.data, "filename", ""):
        flash("请选择要上传的图片。", "warning")
        return redirect(url_for("learning.course_manage", course_id=course.id))
    try:
        with atomic():
            row = _upload_from(form.image, "image", course)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(f"已上传图片，在正文中写 ![说明]({url_for('learning.file', file_id=row.id)}) 即可插入。", "success")
    return redirect(url_for("learning.course_manage", course_id=course.id))
