"""Forms of the record pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

from datetime import datetime, time

from wtforms import DateField, DecimalField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import ActionForm, BaseForm  # noqa: F401  (ActionForm: the activate/deactivate buttons)
from ..models import CORRECTION_ACTION_LABELS, POSITIONS, REQUIREMENT_METRIC_LABELS
from ..services.clock import CAMPAIGN_TZ
from ..trainer.forms import MultiCheckboxField
from .requirements import MAX_BASIS, MAX_CATEGORY, MAX_NAME, RequirementFields, parse_kinds
from .services import MAX_REASON, MAX_RESULT, MAX_TITLE, CorrectionFields


class RequirementForm(BaseForm):
    name = StringField("名称", validators=[DataRequired("请填写名称"), Length(max=MAX_NAME, message=f"名称不超过 {MAX_NAME} 个字符")])
    metric = SelectField("衡量方式", choices=[SelectChoice(k, v) for k, v in REQUIREMENT_METRIC_LABELS.items()])
    required = DecimalField("要求（学时数或次数）", places=2, validators=[InputRequired("请填写要求")])
    category = StringField("只计此分类的培训（留空：全部培训都计入）",
                           validators=[Optional(), Length(max=MAX_CATEGORY, message=f"分类不超过 {MAX_CATEGORY} 个字符")])
    positions = MultiCheckboxField("适用岗位类别（不选：全部人员）", choices=[SelectChoice(p, p) for p in POSITIONS],
                                   validate_choice=True)
    unit_kinds = TextAreaField("适用单位类型（每行一个或用顿号分隔；留空：全部单位）", validators=[Optional()])
    basis = StringField("依据", validators=[Optional(), Length(max=MAX_BASIS, message=f"依据不超过 {MAX_BASIS} 个字符")])
    submit = SubmitField("保存")

    def fields_data(self) -> RequirementFields:
        return RequirementFields((self.name.data or "").strip(), self.metric.data, float(self.required.data),
                                 (self.category.data or "").strip(), list(self.positions.data or []),
                                 parse_kinds(self.unit_kinds.data or ""), (self.basis.data or "").strip())

    def fill(self, fields: RequirementFields) -> None:
        self.name.data, self.metric.data, self.required.data = fields.name, fields.metric, fields.required
        self.category.data, self.positions.data, self.basis.data = fields.category, list(fields.positions), fields.basis
        self.unit_kinds.data = "、".join(fields.unit_kinds)

    def field_map(self) -> dict:
        return {name: getattr(self, name) for name in ("name", "metric", "required", "category", "positions", "unit_kinds", "basis")}


class CorrectionForm(BaseForm):
    action = SelectField("更正方式", choices=[SelectChoice(k, v) for k, v in CORRECTION_ACTION_LABELS.items()])
    #: the entry corrected, "kind-id" (void, amend)
    entry = SelectField("要更正的记录（作废、更正时选择）", validate_choice=False)
    entry_date = DateField("培训日期（补录必填；更正时留空则不改）", validators=[Optional()])
    title = StringField("培训内容（补录必填）", validators=[Optional(), Length(max=MAX_TITLE, message=f"培训内容不超过 {MAX_TITLE} 个字符")])
    category = StringField("分类（如 消防安全）", validators=[Optional(), Length(max=MAX_CATEGORY, message=f"分类不超过 {MAX_CATEGORY} 个字符")])
    hours = DecimalField("学时", places=2, validators=[Optional()])
    result = StringField("考核结果（如 合格）", validators=[Optional(), Length(max=MAX_RESULT, message=f"考核结果不超过 {MAX_RESULT} 个字符")])
    reason = TextAreaField("更正原因（必填，如 纸质签到表补录）",
                           validators=[DataRequired("请填写更正原因"), Length(max=MAX_REASON, message=f"更正原因不超过 {MAX_REASON} 个字符")])
    submit = SubmitField("保存更正")

    def fields_data(self) -> CorrectionFields:
        kind, _, raw_id = (self.entry.data or "").partition("-")
        entry_date = None
        if self.entry_date.data is not None:
            entry_date = datetime.combine(self.entry_date.data, time(12), tzinfo=CAMPAIGN_TZ)
        return CorrectionFields(
            action=self.action.data, reason=self.reason.data or "", entry_kind=kind or "manual",
            entry_id=int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None, entry_date=entry_date,
            title=self.title.data, category=self.category.data,
            hours=float(self.hours.data) if self.hours.data is not None else None, result=self.result.data)

    def field_map(self) -> dict:
        return {name: getattr(self, name) for name in ("action", "entry", "entry_date", "title", "category", "hours", "result", "reason")}
