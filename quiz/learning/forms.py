"""Forms of the learning pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField, DecimalField, IntegerField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import ActionForm, BaseForm  # noqa: F401  (ActionForm: the publish/move/remove buttons)
from ..models import ROLE_LABELS
from ..params import database_id
from ..services.clock import in_campaign_tz_if_naive, to_campaign_tz
from ..trainer.forms import LOCAL_DATETIME_FORMAT, MultiCheckboxField, supported_year
from .services import MAX_CATEGORY, MAX_TITLE, CourseFields, ItemFields


class CourseForm(BaseForm):
    title = StringField("课程名称", validators=[DataRequired("请填写课程名称"),
                                            Length(max=MAX_TITLE, message=f"课程名称不超过 {MAX_TITLE} 个字符")])
    category = StringField("分类", validators=[Optional(), Length(max=MAX_CATEGORY, message=f"分类不超过 {MAX_CATEGORY} 个字符")])
    hours = DecimalField("学时", places=2, validators=[InputRequired("请填写学时")])
    description = TextAreaField("简介", validators=[Optional()])
    quiz_id = SelectField("须通过的测验", coerce=database_id, default=0, validate_choice=True)
    unit_ids = MultiCheckboxField("面向单位（不选：全部单位；含下级单位）", coerce=database_id, validate_choice=True)
    roles = MultiCheckboxField("面向岗位（不选：全部）", choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()],
                               validate_choice=True)
    opens_at = DateTimeLocalField("开始时间", format=LOCAL_DATETIME_FORMAT, validators=[Optional(), supported_year])
    closes_at = DateTimeLocalField("结束时间", format=LOCAL_DATETIME_FORMAT, validators=[Optional(), supported_year])
    submit = SubmitField("保存")

    def fields_data(self) -> CourseFields:
        return CourseFields(
            title=(self.title.data or "").strip(), category=(self.category.data or "").strip(),
            hours=float(self.hours.data), description=self.description.data or "",
            quiz_id=self.quiz_id.data or None, unit_ids=list(self.unit_ids.data or []), roles=list(self.roles.data or []),
            opens_at=in_campaign_tz_if_naive(self.opens_at.data), closes_at=in_campaign_tz_if_naive(self.closes_at.data))

    def fill(self, fields: CourseFields) -> None:
        self.title.data, self.category.data, self.hours.data = fields.title, fields.category, fields.hours
        self.description.data, self.quiz_id.data = fields.description, fields.quiz_id or 0
        self.unit_ids.data, self.roles.data = list(fields.unit_ids), list(fields.roles)
        self.opens_at.data = _local(fields.opens_at)
        self.closes_at.data = _local(fields.closes_at)

    def field_map(self) -> dict:
        return {name: getattr(self, name) for name in
                ("title", "category", "hours", "description", "quiz_id", "unit_ids", "roles", "opens_at", "closes_at")}


def _local(value):
    local = to_campaign_tz(value)
    return None if local is None else local.replace(tzinfo=None)


class ItemForm(BaseForm):
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=MAX_TITLE, message=f"标题不超过 {MAX_TITLE} 个字符")])
    body = TextAreaField("正文（Markdown；图片请先在课程页上传，再粘贴其地址）", validators=[Optional()])
    case_events = TextAreaField("事故经过", validators=[Optional()])
    case_causes = TextAreaField("事故原因", validators=[Optional()])
    case_lessons = TextAreaField("教训与防范措施", validators=[Optional()])
    case_rules = TextAreaField("违反的规定", validators=[Optional()])
    required_seconds = IntegerField("最少学习时间（秒）", validators=[Optional()])
    file = FileField("文件")
    submit = SubmitField("保存")

    def fields_data(self, kind: str) -> ItemFields:
        return ItemFields(kind=kind, title=(self.title.data or "").strip(), body=self.body.data or "",
                          case_events=self.case_events.data or "", case_causes=self.case_causes.data or "",
                          case_lessons=self.case_lessons.data or "", case_rules=self.case_rules.data or "",
                          required_seconds=self.required_seconds.data)

    def fill(self, fields: ItemFields) -> None:
        for name in ("title", "body", "case_events", "case_causes", "case_lessons", "case_rules", "required_seconds"):
            getattr(self, name).data = getattr(fields, name)

    def field_map(self) -> dict:
        return {name: getattr(self, name) for name in
                ("title", "body", "case_events", "case_causes", "case_lessons", "case_rules", "required_seconds", "file")}


class ImageForm(BaseForm):
    image = FileField("上传图片（PNG、JPEG、GIF、WebP）")
    submit = SubmitField("上传")
