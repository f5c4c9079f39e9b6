"""Forms of the offline-training pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, DecimalField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import ActionForm, BaseForm  # noqa: F401  (ActionForm: the list sign-in buttons)
from ..params import database_id
from ..services.clock import in_campaign_tz_if_naive, to_campaign_tz
from ..trainer.forms import LOCAL_DATETIME_FORMAT, supported_year
from .services import MAX_CATEGORY, MAX_PLACE, MAX_TEACHER, MAX_TITLE, SessionFields


class SessionForm(BaseForm):
    title = StringField("培训主题", validators=[DataRequired("请填写培训主题"),
                                            Length(max=MAX_TITLE, message=f"培训主题不超过 {MAX_TITLE} 个字符")])
    category = StringField("分类", validators=[Optional(), Length(max=MAX_CATEGORY, message=f"分类不超过 {MAX_CATEGORY} 个字符")])
    starts_at = DateTimeLocalField("开始时间", format=LOCAL_DATETIME_FORMAT,
                                   validators=[InputRequired("请填写开始时间"), supported_year])
    ends_at = DateTimeLocalField("结束时间", format=LOCAL_DATETIME_FORMAT,
                                 validators=[InputRequired("请填写结束时间"), supported_year])
    place = StringField("培训地点", validators=[Optional(), Length(max=MAX_PLACE, message=f"地点不超过 {MAX_PLACE} 个字符")])
    teacher = StringField("授课人", validators=[Optional(), Length(max=MAX_TEACHER, message=f"授课人不超过 {MAX_TEACHER} 个字符")])
    hours = DecimalField("学时", places=2, validators=[InputRequired("请填写学时")])
    content = TextAreaField("培训内容", validators=[Optional()])
    quiz_id = SelectField("考核测验（可选）", coerce=database_id, default=0, validate_choice=True)
    submit = SubmitField("保存")

    def fields_data(self) -> SessionFields:
        return SessionFields(
            title=(self.title.data or "").strip(), category=(self.category.data or "").strip(),
            content=self.content.data or "", place=(self.place.data or "").strip(),
            teacher=(self.teacher.data or "").strip(), hours=float(self.hours.data),
            starts_at=in_campaign_tz_if_naive(self.starts_at.data), ends_at=in_campaign_tz_if_naive(self.ends_at.data),
            quiz_id=self.quiz_id.data or None)

    def fill(self, fields: SessionFields) -> None:
        self.title.data, self.category.data, self.content.data = fields.title, fields.category, fields.content
        self.place.data, self.teacher.data, self.hours.data = fields.place, fields.teacher, fields.hours
        self.starts_at.data, self.ends_at.data = _local(fields.starts_at), _local(fields.ends_at)
        self.quiz_id.data = fields.quiz_id or 0

    def field_map(self) -> dict:
        return {name: getattr(self, name) for name in
                ("title", "category", "content", "place", "teacher", "hours", "starts_at", "ends_at", "quiz_id")}


def _local(value):
    local = to_campaign_tz(value)
    return None if local is None else local.replace(tzinfo=None)


class CheckinForm(BaseForm):
    code = StringField("签到码", validators=[DataRequired("请输入 6 位数字签到码"), Length(max=20, message="请输入 6 位数字签到码")])
    submit = SubmitField("确认签到")


class AttendanceUploadForm(BaseForm):
    session_id = HiddenField()
    file = FileField("签到名单（.xlsx 或 .csv）", validators=[FileRequired("请选择要上传的文件")])
    submit = SubmitField("上传并预览")
