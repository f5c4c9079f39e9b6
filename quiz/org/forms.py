"""Forms of the unit pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import BaseForm
from ..params import database_id
from .units import MAX_HEADCOUNT, MAX_KIND_LENGTH, MAX_NAME_LENGTH


class UnitForm(BaseForm):
    name = StringField("单位名称", validators=[DataRequired("请填写单位名称"),
                                           Length(max=MAX_NAME_LENGTH, message="单位名称不能超过 100 字")])
    #: a free label; the page offers UNIT_KINDS in a datalist
    kind = StringField("类型", default="科室", validators=[DataRequired("请填写单位类型"),
                                                        Length(max=MAX_KIND_LENGTH, message="单位类型不能超过 20 字")])
    headcount = IntegerField("编制人数（留空按已注册人数计算参与率）",
                             validators=[Optional(), NumberRange(0, MAX_HEADCOUNT, "编制人数应为 0 到 1000000 的整数")])
    #: 0: the top level; the choices leave out the unit itself, its descendants and retired units
    parent_id = SelectField("上级单位", coerce=database_id, default=0, validate_choice=False)
    submit = SubmitField("保存")


class MergeForm(BaseForm):
    target_id = SelectField("合并到", coerce=database_id, validate_choice=False)
    submit = SubmitField("合并")


class UnitUploadForm(BaseForm):
    file = FileField("单位树文件（.xlsx 或 .csv）", validators=[FileRequired("请选择要上传的文件")])
    submit = SubmitField("上传并预览")
