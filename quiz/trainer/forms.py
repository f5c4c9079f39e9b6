"""Forms of the trainer pages (Flask-WTF: CSRF on every form; messages in Chinese)."""

from __future__ import annotations

import re

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
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
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from question_bank import QUESTION_TYPES
from question_bank.model import (
    MAX_EXPLANATION_LENGTH,
    MAX_OPTION_LENGTH,
    MAX_SOURCE_LENGTH,
    MAX_STEM_LENGTH,
    OPTION_LETTERS,
)

from ..params import database_id
from ..forms import ActionForm, BaseForm, ChineseMeta  # noqa: F401  (ActionForm: for the trainer views)
from ..services.clock import TIME_RANGE_MESSAGE, supported_time
from ..services.grading import TYPE_LABELS
from ..services.quiz_display import DISPLAY_MODE_LABELS  # contest UI: the attempt page's default layout
from ..campaigns.forms import campaign_select

TYPE_CHOICES = TYPE_LABELS
DIFFICULTY_CHOICES = {1: "1 易", 2: "2 中", 3: "3 难"}
REVIEW_CHOICES = {"immediate": "交卷后立即查看", "after_close": "测验结束后公布", "never": "不公布"}
SCORING_CHOICES = {"all_or_nothing": "全部选对才得分", "partial": "选对但不全得一半分"}
ON_DUPLICATE_CHOICES = {"skip": "跳过重复题目（保留题库中的版本）", "update": "用文件中的内容更新题库中的题目"}
LOCAL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_FIXED_QUESTIONS = 500


class ScoreField(FloatField):
    """A score: 60 is shown as "60", 59.5 as "59.5"."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionFilterForm(Form):
    """The bank list's search and filters (GET, no CSRF)."""

    class Meta(ChineseMeta):
        csrf = False

    q = StringField("搜索题干", validators=[Optional(), Length(max=200)])
    category_id = SelectField("分类", coerce=database_id, default=0, validate_choice=False)
    type = SelectField("题型", choices={"": "全部题型", **TYPE_CHOICES}, default="", validate_choice=False)
    difficulty = SelectField("难度", coerce=database_id, choices={0: "全部难度", **DIFFICULTY_CHOICES}, default=0,
                             validate_choice=False)
    active = SelectField("状态", choices={"": "全部", "1": "启用", "0": "已停用"}, default="",
                         validate_choice=False)


class QuestionForm(BaseForm):
    type = SelectField("题型", choices=TYPE_CHOICES, validators=[DataRequired("请选择题型")])
    stem = TextAreaField("题干", validators=[DataRequired("请填写题干"),
                                           Length(max=MAX_STEM_LENGTH, message=f"题干不能超过 {MAX_STEM_LENGTH} 字")])
    options = FieldList(
        StringField(validators=[Optional(), Length(max=MAX_OPTION_LENGTH, message=f"选项不能超过 {MAX_OPTION_LENGTH} 字")]),
        min_entries=len(OPTION_LETTERS), max_entries=len(OPTION_LETTERS),
    )
    answer_letters = MultiCheckboxField("正确答案", choices={letter: letter for letter in OPTION_LETTERS})
    true_false_answer = RadioField("正确答案", choices={"正确": "正确", "错误": "错误"}, validators=[Optional()],
                                   validate_choice=False)
    category_id = SelectField("分类", coerce=database_id, validate_choice=False)
    new_category = StringField("或新建分类", validators=[Length(max=100, message="分类名称不能超过 100 字")])
    difficulty = SelectField("难度", coerce=database_id, choices=DIFFICULTY_CHOICES, default=2)
    points = IntegerField("分值", default=1, validators=[InputRequired("请填写分值"),
                                                       NumberRange(1, 100, "分值应为 1-100 的整数")])
    explanation = TextAreaField("解析", validators=[Length(max=MAX_EXPLANATION_LENGTH,
                                                           message=f"解析不能超过 {MAX_EXPLANATION_LENGTH} 字")])
    source = TextAreaField("出处", validators=[Length(max=MAX_SOURCE_LENGTH, message=f"出处不能超过 {MAX_SOURCE_LENGTH} 字")])
    preview = SubmitField("预览")
    save = SubmitField("保存")

    def template_columns(self, category_name: str) -> dict[str, str]:
        """The form as template columns, for question_bank's validation."""
        columns = {"题型": QUESTION_TYPES.get(self.type.data, self.type.data or ""), "题干": self.stem.data or ""}
        if self.type.data == "true_false":
            columns["答案"] = self.true_false_answer.data or ""
        else:
            for letter, entry in zip(OPTION_LETTERS, self.options):
                columns[f"选项{letter}"] = entry.data or ""
            columns["答案"] = "".join(sorted(self.answer_letters.data or []))
        columns.update({
            "解析": self.explanation.data or "",
            "分类": category_name,
            "难度": str(self.difficulty.data or ""),
            "分值": str(self.points.data if self.points.data is not None else ""),
            "出处": self.source.data or "",
        })
        return columns

    def field_for_column(self, column: str):
        """The form field a question_bank column error belongs to."""
        if column.startswith("选项") and len(column) == 3 and column[2] in OPTION_LETTERS:
            return self.options[OPTION_LETTERS.index(column[2])]
        if column == "答案":
            return self.true_false_answer if self.type.data == "true_false" else self.answer_letters
        return {
            "题型": self.type, "题干": self.stem, "解析": self.explanation, "分类": self.new_category,
            "难度": self.difficulty, "分值": self.points, "出处": self.source,
        }.get(column, self.stem)


class CategoryForm(BaseForm):
    name = StringField("分类名称", validators=[DataRequired("请填写分类名称"), Length(max=100, message="分类名称不能超过 100 字")])
    submit = SubmitField("保存")


class EditionForm(BaseForm):
    """A replaced law, standard, clause or name for the 题库体检's editions table."""

    superseded = StringField("旧版本", validators=[DataRequired("请填写旧版本"), Length(max=200, message="不能超过 200 个字符")])
    current = StringField("现行版本", validators=[DataRequired("请填写现行版本"), Length(max=200, message="不能超过 200 个字符")])
    effective = StringField("实施日期", validators=[Length(max=20, message="不能超过 20 个字符")])
    note = StringField("说明", validators=[Length(max=200, message="不能超过 200 个字符")])
    submit = SubmitField("添加")


#: Characters of questions pasted into the upload page (about 3,000 questions).
MAX_PASTED_CHARS = 300_000


class UploadForm(BaseForm):
    """A question file, or questions pasted as text: one of the two."""

    file = FileField("题库文件（.xlsx、.xls、.csv、.txt 或 .docx）")
    text = TextAreaField("或者直接粘贴题目", validators=[
        Length(max=MAX_PASTED_CHARS, message=f"粘贴的内容不能超过 {MAX_PASTED_CHARS} 字，请分批导入或上传文件")])
    submit = SubmitField("上传并预览")

    @property
    def has_file(self) -> bool:
        return bool(self.file.data)  # a FileStorage is true when it has a file name

    @property
    def has_text(self) -> bool:
        return bool((self.text.data or "").strip())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.has_file and not self.has_text:
            self.file.errors = [*self.file.errors, "请选择要上传的文件，或在下方粘贴题目"]
            return False
        if self.has_file and self.has_text:
            self.text.errors = [*self.text.errors, "请只用一种方式：上传文件，或者粘贴题目（不要同时使用）"]
            return False
        return valid


class ConfirmImportForm(BaseForm):
    on_duplicate = RadioField("重复题目", choices=ON_DUPLICATE_CHOICES, default="skip",
                              validators=[DataRequired("请选择重复题目的处理方式")])
    submit = SubmitField("确认导入")
    #: the explicit choice of a partial import: leave the rows with problems out
    skip_invalid = SubmitField("跳过有问题的行，导入其余题目")


class RuleForm(Form):
    """One draw rule; a row without a count is ignored."""

    class Meta(ChineseMeta):
        csrf = False

    category_id = SelectField("分类", coerce=database_id, default=0, validate_choice=False)
    type = SelectField("题型", choices={"": "全部题型", **TYPE_CHOICES}, default="")
    difficulty = SelectField("难度", coerce=database_id, choices={0: "全部难度", **DIFFICULTY_CHOICES}, default=0)
    count = IntegerField("题数", validators=[Optional(), NumberRange(1, 500, "题数应为 1-500")])
    points = IntegerField("每题分值", validators=[Optional(), NumberRange(1, 100, "每题分值应为 1-100")])

    def is_blank(self) -> bool:
        """Nothing typed into the count: the row is an unused spare."""
        if self.count.data is not None:
            return False
        raw = self.count.raw_data
        return not raw or not str(raw[0]).strip()


_ID_SEPARATORS = re.compile(r"[\s,，、;；]+")


def parse_question_ids(text: str) -> list[int]:
    """'12, 15 7' -> [12, 15, 7]; a '#' before a number is allowed.  Raises ValueError with a message."""
    ids = []
    for part in _ID_SEPARATORS.split(text or ""):
        part = part.strip().lstrip("#")
        if not part:
            continue
        if not part.isdigit() or len(part) > 9:
            raise ValueError(f"题目编号应为数字：“{part[:20]}”")
        ids.append(int(part))
    return ids


def supported_year(_form, field) -> None:
    """WTForms validator for supported_time (quiz windows in sane years)."""
    if not supported_time(field.data):
        raise ValidationError(TIME_RANGE_MESSAGE)


class QuizForm(BaseForm):
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=200, message="标题不能超过 200 字")])
    description = TextAreaField("说明", validators=[Length(max=5000, message="说明不能超过 5000 字")])
    time_limit_minutes = IntegerField("答题时长（分钟）", default=20, validators=[
        InputRequired("请填写答题时长"), NumberRange(1, 1440, "答题时长应为 1-1440 分钟")])
    opens_at = DateTimeLocalField("开始时间", format=LOCAL_DATETIME_FORMAT, validators=[Optional(), supported_year])
    closes_at = DateTimeLocalField("结束时间", format=LOCAL_DATETIME_FORMAT, validators=[Optional(), supported_year])
    max_attempts = IntegerField("总答题次数（留空不限）", default=1,
                                validators=[Optional(), NumberRange(1, 1000, "总答题次数应为 1-1000")])
    max_attempts_per_day = IntegerField("每日答题次数（留空不限）",
                                        validators=[Optional(), NumberRange(1, 1000, "每日答题次数应为 1-1000")])
    pass_score = ScoreField("及格分", default=60, validators=[InputRequired("请填写及格分"),
                                                           NumberRange(0, 100000, "及格分应为 0 或正数")])
    review_policy = SelectField("答案解析", choices=REVIEW_CHOICES, default="immediate")
    multiple_choice_scoring = SelectField("多选题计分", choices=SCORING_CHOICES, default="all_or_nothing")
    display_mode = SelectField("答题页面（职工可自行切换）", choices=DISPLAY_MODE_LABELS, default="list")
    campaign_id = campaign_select()
    shuffle_questions = BooleanField("题目乱序", default=True)
    shuffle_options = BooleanField("选项乱序")
    fixed_questions = TextAreaField("固定题目编号（按出题顺序，用逗号或换行分隔）",
                                    validators=[Length(max=5000, message="内容过长")])
    fixed_points = IntegerField("固定题目每题分值（留空按题目自身分值）",
                                validators=[Optional(), NumberRange(1, 100, "每题分值应为 1-100")])
    rules = FieldList(FormField(RuleForm), min_entries=1, max_entries=50)
    check = SubmitField("检查并预览抽题")
    save = SubmitField("保存")

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError("结束时间必须晚于开始时间")

    def validate_fixed_questions(self, field):
        try:
            ids = parse_question_ids(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if len(ids) > MAX_FIXED_QUESTIONS:
            raise ValidationError(f"固定题目最多 {MAX_FIXED_QUESTIONS} 道")
        if len(ids) != len(set(ids)):
            raise ValidationError("固定题目中有重复的编号")


class ResultFilterForm(Form):
    class Meta(ChineseMeta):
        csrf = False

    unit_id = SelectField("单位", coerce=database_id, default=0, validate_choice=False)
    status = SelectField("状态", choices={"": "全部状态", "submitted": "已提交", "expired": "超时自动交卷",
                                          "in_progress": "答题中"}, default="", validate_choice=False)

