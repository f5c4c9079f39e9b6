"""Forms of the campaign pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import ActionForm, BaseForm  # noqa: F401  (ActionForm: the campaign views' buttons)
from ..params import database_id
from .services import MAX_THEME, MAX_TITLE, CampaignFields


class CampaignForm(BaseForm):
    title = StringField("活动名称", validators=[DataRequired("请填写活动名称"),
                                             Length(max=MAX_TITLE, message=f"活动名称不超过 {MAX_TITLE} 个字符")])
    year = IntegerField("年度", validators=[InputRequired("请填写年度")])
    theme = StringField("主题", validators=[Optional(), Length(max=MAX_THEME, message=f"主题不超过 {MAX_THEME} 个字符")])
    starts_on = DateField("开始日期", validators=[InputRequired("请填写开始日期")])
    ends_on = DateField("结束日期", validators=[InputRequired("请填写结束日期")])
    submit = SubmitField("保存")

    def fields_data(self) -> CampaignFields:
        return CampaignFields(title=(self.title.data or "").strip(), year=self.year.data, theme=self.theme.data or "",
                              starts_on=self.starts_on.data, ends_on=self.ends_on.data)

    def fill(self, fields: CampaignFields) -> None:
        self.title.data, self.year.data, self.theme.data = fields.title, fields.year, fields.theme
        self.starts_on.data, self.ends_on.data = fields.starts_on, fields.ends_on

    def field_map(self) -> dict:
        return {"title": self.title, "year": self.year, "theme": self.theme, "starts_on": self.starts_on,
                "ends_on": self.ends_on}


class AssignQuizForm(BaseForm):
    quiz_id = SelectField("测验", coerce=database_id, validate_choice=True)
    submit = SubmitField("加入活动")


class AssignSeriesForm(BaseForm):
    series_id = SelectField("闯关", coerce=database_id, validate_choice=True)
    submit = SubmitField("加入活动")


def campaign_select(label: str = "所属活动") -> SelectField:
    """The 所属活动 select of the quiz and series forms (choices: services.campaign_choices)."""
    return SelectField(label, coerce=database_id, default=0, validate_choice=True)
