"""Forms of the organisation pages: the unit tree (admins) and the unit managers' pages (account
forms are the admin's, with the scoped choices set by the views).  Messages in Chinese."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import Form, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..admin.forms import UserCreateForm
from ..forms import BaseForm, ChineseMeta
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



class ManagedUserForm(UserCreateForm):
    """The admin's user creation form plus the contact shown on the 未参与名单."""

    phone = StringField("联系电话（选填，显示在未参与名单中）",
                        validators=[Optional(), Length(max=32, message="联系电话不能超过 32 个字符")])


class PeopleFilterForm(Form):
    class Meta(ChineseMeta):
        csrf = False

    q = StringField("搜索用户名或姓名", validators=[Optional(), Length(max=64)])
    unit_id = SelectField("单位（含下级单位）", coerce=database_id, default=0, validate_choice=False)


class TargetForm(Form):
    """The quiz or series a list or count is about ("quiz:ID" / "series:ID"), and the unit."""

    class Meta(ChineseMeta):
        csrf = False

    target = SelectField("测验、闯关或课程", validate_choice=False)
    unit_id = SelectField("单位（含下级单位）", coerce=database_id, default=0, validate_choice=False)
