"""Forms of the unit managers' pages; account forms are the admin's, with the scoped choices set by the views."""

from __future__ import annotations

from wtforms import Form, SelectField, StringField
from wtforms.validators import Length, Optional

from ..admin.forms import UserCreateForm
from ..forms import ChineseMeta
from ..params import database_id


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
