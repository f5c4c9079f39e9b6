"""Forms of the training pages (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from question_bank import QUESTION_TYPES

from ..campaigns.forms import campaign_select
from ..params import database_id
from ..forms import ActionForm, BaseForm  # noqa: F401  (ActionForm: for the training views)
from .practice import PRACTICE_SIZES


class PracticeStartForm(BaseForm):
    category_id = SelectField("练习范围", coerce=database_id, default=0)
    count = SelectField("题数", coerce=database_id, choices={n: f"{n} 题" for n in PRACTICE_SIZES}, default=10)
    submit = SubmitField("开始练习")


class NotebookPracticeForm(BaseForm):
    category_id = SelectField("范围", coerce=database_id, default=0)
    count = SelectField("题数", coerce=database_id, choices={n: f"{n} 题" for n in PRACTICE_SIZES}, default=10)
    submit = SubmitField("重练错题")


class SeriesForm(BaseForm):
    title = StringField("闯关名称", validators=[DataRequired("请输入名称"), Length(1, 200)])
    description = TextAreaField("说明", validators=[Optional(), Length(max=5000)])
    campaign_id = campaign_select()
    submit = SubmitField("保存")


#: shorthand dicts: WTForms 3.3 deprecates tuple choices given to the field class
TYPE_CHOICES = {"": "全部题型", **QUESTION_TYPES}


class LevelForm(BaseForm):
    title = StringField("关卡名称", validators=[DataRequired("请输入关卡名称"), Length(1, 200)])
    category_id = SelectField("题目分类", coerce=database_id, default=0)
    type = SelectField("题型", choices=TYPE_CHOICES, default="")
    count = IntegerField("题数", default=5, validators=[InputRequired("请输入题数"), NumberRange(1, 50, "题数应为 1-50")])
    pass_percent = IntegerField("及格线（%）", default=60,
                                validators=[InputRequired("请输入及格线"), NumberRange(1, 100, "及格线应为 1-100")])
    time_limit_minutes = IntegerField("限时（分钟，0 为不限时）", default=0,
                                      validators=[InputRequired(), NumberRange(0, 600, "限时应为 0-600 分钟")])
    submit = SubmitField("添加关卡")


class PublishForm(BaseForm):
    publish = BooleanField("发布")
    submit = SubmitField("保存")
