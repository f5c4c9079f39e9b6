"""Forms of the auth pages (WTForms via Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..params import database_id
from ..forms import BaseForm


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])
    remember = BooleanField("记住我（14天）")
    submit = SubmitField("登录")


class RegisterForm(BaseForm):
    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), Length(2, 64, "用户名长度应为 2-64 个字符")]
    )
    display_name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(1, 64, "姓名最多 64 个字符")])
    unit_id = SelectField("所在单位", coerce=database_id, validators=[DataRequired("请选择单位")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])
    confirm = PasswordField("确认密码", validators=[EqualTo("password", "两次输入的密码不一致")])
    submit = SubmitField("注册")


class PasswordChangeForm(BaseForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码"), Length(max=128)])
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=128, message="密码最多 128 个字符")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", "两次输入的密码不一致")])
    submit = SubmitField("修改密码")
