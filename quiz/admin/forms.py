"""Forms of the admin pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..params import database_id
from ..forms import BaseForm, ChineseMeta
from ..models import POSITIONS, ROLE_LABELS

ROLE_CHOICES = dict(ROLE_LABELS)
#: 岗位类别 (the law's roles that set the yearly training requirements); blank: 从业人员
POSITION_CHOICES = {"": "从业人员（默认）", **{p: p for p in POSITIONS}}
ON_EXISTING_CHOICES = {"skip": "跳过已存在的用户（不做任何修改）", "update": "用文件中的姓名、单位、角色更新已存在的用户"}


class UserCreateForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(2, 64, "用户名长度应为 2-64 个字符")])
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=64, message="姓名不能超过 64 字")])
    unit_id = SelectField("单位", coerce=database_id, validate_choice=False)
    role = SelectField("角色", choices=ROLE_CHOICES, default="employee")
    position = SelectField("岗位类别（决定年度培训要求）", choices=POSITION_CHOICES, default="")
    password = PasswordField("初始密码（留空自动生成，保存后显示一次）",
                             validators=[Optional(), Length(max=128, message="密码不能超过 128 个字符")])
    submit = SubmitField("创建用户")


class UserEditForm(BaseForm):
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=64, message="姓名不能超过 64 字")])
    unit_id = SelectField("单位", coerce=database_id, validate_choice=False)
    role = SelectField("角色", choices=ROLE_CHOICES)
    position = SelectField("岗位类别（决定年度培训要求）", choices=POSITION_CHOICES, default="")
    is_enabled = BooleanField("账号启用")
    submit = SubmitField("保存")


class ResetPasswordForm(BaseForm):
    password = PasswordField("新密码（留空自动生成）", validators=[Optional(), Length(max=128, message="密码不能超过 128 个字符")])
    submit = SubmitField("重置密码")


class UserFilterForm(Form):
    class Meta(ChineseMeta):
        csrf = False

    q = StringField("搜索用户名或姓名", validators=[Optional(), Length(max=64)])
    unit_id = SelectField("单位", coerce=database_id, default=0, validate_choice=False)
    role = SelectField("角色", choices={"": "全部角色", **ROLE_CHOICES}, default="", validate_choice=False)
    enabled = SelectField("状态", choices={"": "全部", "1": "启用", "0": "已停用"}, default="", validate_choice=False)


class UserUploadForm(BaseForm):
    file = FileField("用户名单（.xlsx 或 .csv）", validators=[FileRequired("请选择要上传的文件")])
    submit = SubmitField("上传并预览")


class ConfirmUserImportForm(BaseForm):
    on_existing = RadioField("已存在的用户", choices=ON_EXISTING_CHOICES, default="skip",
                             validators=[DataRequired("请选择已存在用户的处理方式")])
    submit = SubmitField("确认导入")
