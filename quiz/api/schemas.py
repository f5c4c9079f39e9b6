"""Request and response schemas of the JSON API (they also generate the OpenAPI document)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import (
    Boolean,
    DateTime,
    Dict,
    File,
    Float,
    Function,
    Integer,
    List,
    Method,
    Nested,
    String,
)
from apiflask.validators import Length, OneOf, Range
from marshmallow import EXCLUDE, ValidationError
from marshmallow.validate import Validator

from question_bank import QUESTION_TYPES

from ..models import POSITIONS, REVIEW_POLICIES, ROLES, SCORING_POLICIES, UNIT_KINDS
from ..params import MAX_DATABASE_ID
from ..services.clock import TIME_RANGE_MESSAGE, isoformat, supported_time
from ..services.quizzes import quiz_max_score

#: Ids the database can hold (PostgreSQL INTEGER); anything else is a validation error, not a 500.
DATABASE_ID = Range(1, MAX_DATABASE_ID)


class Predicate(Validator):
    """A marshmallow validator from a rule function that answers True or False, with its message."""

    def __init__(self, rule, message: str):
        self.rule, self.error = rule, message

    def __call__(self, value):
        if not self.rule(value):
            raise ValidationError(self.error)
        return value


class Timestamp(String):
    """A time as every API time is written: ISO 8601 in the campaign's time zone (+08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if value is None or isinstance(value, str) else isoformat(value)


class Strict(Schema):
    class Meta:
        unknown = EXCLUDE


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "detail": {"type": "object"},
    },
    "required": ["error", "message"],
}


class UnitRef(Schema):
    id = Integer(required=True)
    name = String(required=True)


class UserOut(Schema):
    id = Integer(required=True)
    username = String(required=True)
    display_name = String(required=True)
    role = String(required=True)
    unit = Nested(UnitRef, allow_none=True, required=True)
    #: 岗位类别 (主要负责人 / 安全生产管理人员 / 从业人员); null: none recorded (counted as 从业人员)
    position = String(allow_none=True, required=True)


class TokenIn(Strict):
    username = String(required=True, validate=Length(1, 64))
    password = String(required=True, validate=Length(1, 128))


class TokenOut(Schema):
    token = String(required=True)
    expires_at = Timestamp(required=True)
    user = Nested(UserOut, required=True)


class UnitOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    kind = String(required=True)
    headcount = Integer(allow_none=True, required=True)
    #: the unit above this one in the tree; null for a top-level unit
    parent_id = Integer(allow_none=True, required=True)
    #: a retired unit takes no new people and is left off the boards
    retired = Boolean(required=True, attribute="is_retired")


class UnitsOut(Schema):
    units = List(Nested(UnitOut), required=True)


class UnitIn(Strict):
    name = String(required=True, validate=Length(1, 100))
    #: one of UNIT_KINDS or a free label of 1-20 characters
    kind = String(load_default="科室", validate=Length(1, 20), metadata={"examples": list(UNIT_KINDS)})
    headcount = Integer(load_default=None, allow_none=True, validate=Range(0, 1_000_000))
    #: the parent unit (must exist and not be retired); null or absent: a top-level unit
    parent_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)


class UserIn(Strict):
    username = String(required=True, validate=Length(2, 64))
    password = String(required=True, validate=Length(1, 128))
    display_name = String(load_default="", validate=Length(0, 64))
    unit_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)
    role = String(load_default="employee", validate=OneOf(ROLES))
    #: 岗位类别; null or absent: 从业人员
    position = String(load_default=None, allow_none=True, validate=OneOf(POSITIONS))
    must_change_password = Boolean(load_default=False, metadata={
        "description": "true: the account must set its own password before anything else "
                       "(web: the password page; API: 403 password_change_required until POST /me/password)"})


class PasswordChangeIn(Strict):
    current_password = String(required=True, validate=Length(1, 128))
    new_password = String(required=True, validate=Length(1, 128))


class ImportIn(Schema):
    file = File(required=True)


MAPPING_DESCRIPTION = (
    'Optional column mapping, JSON: {"columns": {"<header of the file>": "<field>"}, '
    '"type_values": {"<value of the type column>": "单选" | "多选" | "判断" | "跳过"}}. Fields: 题型, 题干, '
    '选项A…选项H, 选项 (all options in one cell), 答案, 选项A是否正确…选项H是否正确, 解析, 分类, 难度, 分值, 出处, '
    '忽略. Without it, a mapping remembered for the file\'s header row (web mapping step) is used.'
)


class QuestionPreviewIn(ImportIn):
    mapping = String(load_default="", validate=Length(max=50_000), metadata={"description": MAPPING_DESCRIPTION})


class QuestionImportIn(QuestionPreviewIn):
    skip_invalid = Boolean(load_default=False, metadata={
        "description": "true: import the good rows and report the rows with problems in skipped_invalid "
                       "(default false: a file with any problem imports nothing, 422)"})


class RowErrorOut(Schema):
    row = Integer(required=True)
    column = String(required=True)
    message = String(required=True)


class UnsupportedRowOut(Schema):
    row = Integer(required=True)
    type = String(required=True, metadata={"description": "the type as written (简答, 填空 …) or why (无选项)"})
    sheet = String(required=True)


class ImportOut(Schema):
    imported = Integer(required=True)
    skipped_duplicates = Integer(required=True)
    # present (all three) with skip_invalid=true or when one of them is not empty
    skipped_invalid = List(Nested(RowErrorOut),
                           metadata={"description": "problems of the rows left out (skip_invalid=true)"})
    skipped_unsupported = List(Nested(UnsupportedRowOut))
    warnings = List(Nested(RowErrorOut))


class CategoryOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    question_count = Integer(required=True)


class CategoriesOut(Schema):
    categories = List(Nested(CategoryOut), required=True)


class RuleIn(Strict):
    category = String(load_default=None, allow_none=True, validate=Length(1, 100))
    type = String(load_default=None, allow_none=True, validate=OneOf(list(QUESTION_TYPES)))
    difficulty = Integer(load_default=None, allow_none=True, validate=Range(1, 3))
    count = Integer(required=True, validate=Range(1, 500))
    points = Integer(load_default=None, allow_none=True, validate=Range(1, 100))


class QuizIn(Strict):
    title = String(required=True, validate=Length(1, 200))
    description = String(load_default="", validate=Length(0, 5000))
    time_limit_seconds = Integer(required=True, validate=Range(30, 24 * 3600))
    max_attempts = Integer(load_default=1, allow_none=True, validate=Range(1, 1000))
    max_attempts_per_day = Integer(load_default=None, allow_none=True, validate=Range(1, 1000))
    pass_score = Float(load_default=0, validate=Range(0, 100000))
    opens_at = DateTime(load_default=None, allow_none=True, validate=Predicate(supported_time, TIME_RANGE_MESSAGE))
    closes_at = DateTime(load_default=None, allow_none=True, validate=Predicate(supported_time, TIME_RANGE_MESSAGE))
    shuffle_questions = Boolean(load_default=True)
    shuffle_options = Boolean(load_default=False)
    multiple_choice_scoring = String(load_default="all_or_nothing", validate=OneOf(SCORING_POLICIES))
    review_policy = String(load_default="immediate", validate=OneOf(REVIEW_POLICIES))
    rules = List(Nested(RuleIn), required=True, validate=Length(1, 50))


class RuleOut(Schema):
    """A saved QuizRule."""

    category = Function(lambda rule: rule.category.name if rule.category else None, allow_none=True,
                        required=True, metadata={"type": "string"})
    type = String(allow_none=True, required=True)
    difficulty = Integer(allow_none=True, required=True)
    count = Integer(required=True)
    points = Integer(allow_none=True, required=True)


class QuizOut(Schema):
    """A Quiz."""

    id = Integer(required=True)
    title = String(required=True)
    description = String(required=True)
    time_limit_seconds = Integer(required=True)
    question_count = Integer(required=True)
    max_score = Method("get_max_score", required=True, metadata={"type": "number"})
    pass_score = Float(required=True)
    opens_at = Timestamp(allow_none=True, required=True)
    closes_at = Timestamp(allow_none=True, required=True)
    max_attempts = Integer(allow_none=True, required=True)
    max_attempts_per_day = Integer(allow_none=True, required=True)
    shuffle_questions = Boolean(required=True)
    shuffle_options = Boolean(required=True)
    multiple_choice_scoring = String(required=True)
    review_policy = String(required=True)
    rules = List(Nested(RuleOut), required=True)

    def get_max_score(self, quiz) -> float:
        return quiz_max_score(quiz)


class QuizListItem(Schema):
    """A (quiz, attempts used, status) row of services.attempts.quiz_statuses."""

    id = Integer(attribute="quiz.id", required=True)
    title = String(attribute="quiz.title", required=True)
    time_limit_seconds = Integer(attribute="quiz.time_limit_seconds", required=True)
    question_count = Integer(attribute="quiz.question_count", required=True)
    max_score = Method("get_max_score", required=True, metadata={"type": "number"})
    pass_score = Float(attribute="quiz.pass_score", required=True)
    opens_at = Timestamp(attribute="quiz.opens_at", allow_none=True, required=True)
    closes_at = Timestamp(attribute="quiz.closes_at", allow_none=True, required=True)
    max_attempts = Integer(attribute="quiz.max_attempts", allow_none=True, required=True)
    attempts_used = Integer(required=True)
    #: upcoming | open | in_progress | exhausted | closed
    status = String(required=True)

    def get_max_score(self, row) -> float:
        return quiz_max_score(row.quiz)


class QuizzesOut(Schema):
    quizzes = List(Nested(QuizListItem), required=True)


class OptionOut(Schema):
    id = Integer(required=True)
    text = String(required=True)


class AttemptQuestionOut(Schema):
    id = Integer(required=True)
    type = String(required=True)
    text = String(required=True)
    points = Integer(required=True)
    options = List(Nested(OptionOut), required=True)
    selected = List(Integer(), required=True)
    #: 标记 (PUT /attempts/{id}/marks/{question_id})
    marked = Boolean(required=True)


class ReviewOut(Schema):
    question_id = Integer(required=True)
    selected = List(Integer(), required=True)
    correct = List(Integer(), required=True)
    is_correct = Boolean(required=True)
    points_awarded = Float(required=True)
    explanation = String(required=True)
    source = String(required=True)


class ResultOut(Schema):
    attempt_id = Integer(required=True)
    status = String(required=True)
    score = Float(required=True)
    max_score = Float(required=True)
    correct_count = Integer(required=True)
    question_count = Integer(required=True)
    passed = Boolean(required=True)
    duration_seconds = Integer(required=True)
    submitted_at = String(required=True)
    review_available = Boolean(required=True)
    review = List(Nested(ReviewOut), required=True)


class AttemptOut(Schema):
    id = Integer(required=True)
    quiz_id = Integer(required=True)
    status = String(required=True)
    started_at = String(required=True)
    deadline = String(required=True)
    seconds_left = Integer(required=True)
    left_page_count = Integer(required=True)
    questions = List(Nested(AttemptQuestionOut), required=True)
    result = Nested(ResultOut, allow_none=True)


class AnswerIn(Strict):
    selected = List(Integer(validate=Range(0, 7)), required=True, validate=Length(0, 8))


class AnswerOut(Schema):
    saved_at = String(required=True)
    seconds_left = Integer(required=True)


class LeaveOut(Schema):
    left_page_count = Integer(required=True)


# ---------------------------------------------------------------- training (安全知识闯关, progress)


class LevelOut(Schema):
    #: the level's quiz id: start it with POST /api/v1/quizzes/{quiz_id}/attempts
    quiz_id = Integer(required=True)
    number = Integer(required=True)
    title = String(required=True)
    question_count = Integer(required=True)
    pass_score = Float(required=True)
    time_limit_seconds = Integer(allow_none=True, required=True)
    unlocked = Boolean(required=True)
    passed = Boolean(required=True)
    stars = Integer(required=True)
    best_score = Float(allow_none=True, required=True)
    max_score = Float(allow_none=True, required=True)
    attempts = Integer(required=True)
    in_progress_attempt_id = Integer(allow_none=True, required=True)


class LevelSeriesOut(Schema):
    id = Integer(required=True)
    title = String(required=True)
    description = String(required=True)
    level_count = Integer(required=True)
    passed_count = Integer(required=True)
    stars = Integer(required=True)
    levels = List(Nested(LevelOut), required=True)


class LevelSeriesListOut(Schema):
    series = List(Nested(LevelSeriesOut), required=True)


class UnitLevelProgressOut(Schema):
    unit = Nested(UnitRef, allow_none=True, required=True)
    employees = Integer(required=True)
    started = Integer(required=True)
    completed = Integer(required=True)
    #: passed[i]: employees of the unit who passed level i+1
    passed = List(Integer(), required=True)


class SeriesUnitsOut(Schema):
    series_id = Integer(required=True)
    level_count = Integer(required=True)
    units = List(Nested(UnitLevelProgressOut), required=True)


class CategoryMasteryOut(Schema):
    category_id = Integer(required=True)
    name = String(required=True)
    answered = Integer(required=True)
    correct = Integer(required=True)
    share = Float(allow_none=True, required=True)


class TrainingProgressOut(Schema):
    #: N: mastery is the share right in the last N answers of each category
    window = Integer(required=True)
    mastery = List(Nested(CategoryMasteryOut), required=True)
    weakest_category_id = Integer(allow_none=True, required=True)
    notebook_count = Integer(required=True)


# ---------------------------------------------------------------- trainer tools


class QuestionIn(Strict):
    type = String(required=True, validate=OneOf(list(QUESTION_TYPES)))
    stem = String(required=True, validate=Length(1, 2000))
    #: option texts A, B, ... (2-8 for single and multiple; ignored for true_false)
    options = List(String(validate=Length(0, 500)), load_default=list, validate=Length(0, 8))
    answer = String(required=True, validate=Length(1, 40),
                    metadata={"description": "Option letters (\"A\", \"ACD\") or 正确/错误 for true_false"})
    explanation = String(load_default="", validate=Length(0, 2000))
    category = String(load_default="", validate=Length(0, 100))
    difficulty = Integer(load_default=2, validate=Range(1, 3))
    points = Integer(load_default=1, validate=Range(1, 100))
    source = String(load_default="", validate=Length(0, 2000))


class QuestionOut(Schema):
    id = Integer(required=True)
    type = String(required=True)
    stem = String(required=True)
    options = List(String(), required=True)
    correct = List(Integer(), required=True)
    answer = String(required=True)
    explanation = String(required=True)
    category = String(required=True)
    difficulty = Integer(required=True)
    points = Integer(required=True)
    source = String(required=True)
    is_active = Boolean(required=True)


class PageQuery(Strict):
    page = Integer(load_default=1, validate=Range(1, 100000))
    per_page = Integer(load_default=50, validate=Range(1, 200))


class QuestionsQuery(PageQuery):
    q = String(load_default="", validate=Length(0, 200))
    category_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)
    type = String(load_default=None, allow_none=True, validate=OneOf(list(QUESTION_TYPES)))
    difficulty = Integer(load_default=None, allow_none=True, validate=Range(1, 3))
    active = Boolean(load_default=None, allow_none=True)


class QuestionsOut(Schema):
    questions = List(Nested(QuestionOut), required=True)
    page = Integer(required=True)
    pages = Integer(required=True)
    total = Integer(required=True)


class DuplicateRowOut(Schema):
    row = Integer(required=True)
    question_id = Integer(required=True)
    changed = Boolean(required=True)


class InFileDuplicateOut(Schema):
    row = Integer(required=True)
    first_row = Integer(required=True)
    sheet = String(required=True)


class ImportPreviewOut(Schema):
    token = String(required=True)
    expires_at = String(required=True)
    filename = String(required=True)
    rows = Integer(required=True)
    new = Integer(required=True)
    duplicates = Integer(required=True)
    changed = Integer(required=True)
    can_confirm = Boolean(required=True)
    errors = List(Nested(RowErrorOut), required=True)
    duplicate_rows = List(Nested(DuplicateRowOut), required=True)
    problem_rows = Integer(required=True, metadata={"description": "rows with errors"})
    can_skip_invalid = Boolean(required=True, metadata={
        "description": "confirm with skip_invalid=true would import the other rows"})
    warnings = List(Nested(RowErrorOut), required=True)
    skipped_unsupported = List(Nested(UnsupportedRowOut), required=True)
    in_file_duplicates = List(Nested(InFileDuplicateOut), required=True)
    unknown_columns = List(String(), required=True)
    mapping_source = String(required=True, metadata={"description": '"given", "remembered" or ""'})
    health = Dict(allow_none=True, metadata={
        "description": "题库体检 of the upload (ok, figures, checks, warning_counts, warnings with row and "
                       "file = sheet); null for an upload over the inline limit"})


class ImportConfirmIn(Strict):
    on_duplicate = String(load_default="skip", validate=OneOf(["skip", "update"]))
    skip_invalid = Boolean(load_default=False, metadata={
        "description": "true: leave the previewed rows with problems out and import the rest"})


class ImportConfirmOut(Schema):
    imported = Integer(required=True)
    updated = Integer(required=True)
    skipped_duplicates = Integer(required=True)
    skipped_invalid = List(Nested(RowErrorOut), required=True)
    skipped_unsupported = List(Nested(UnsupportedRowOut), required=True)


class ResultsQuery(PageQuery):
    unit_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)
    status = String(load_default=None, allow_none=True, validate=OneOf(["in_progress", "submitted", "expired"]))


class ResultAttemptOut(Schema):
    id = Integer(required=True)
    user_id = Integer(required=True)
    username = String(required=True)
    display_name = String(required=True)
    unit = Nested(UnitRef, allow_none=True, required=True)
    number = Integer(required=True)
    status = String(required=True)
    score = Float(required=True, allow_none=True)
    max_score = Float(required=True)
    passed = Boolean(required=True, allow_none=True)
    correct_count = Integer(required=True, allow_none=True)
    question_count = Integer(required=True)
    duration_seconds = Integer(required=True, allow_none=True)
    started_at = String(required=True)
    submitted_at = String(required=True, allow_none=True)
    left_page_count = Integer(required=True)


class ResultSummaryOut(Schema):
    attempt_count = Integer(required=True)
    final_count = Integer(required=True)
    participant_count = Integer(required=True)
    average_score = Float(required=True, allow_none=True)
    pass_rate = Float(required=True, allow_none=True)


class ResultsOut(Schema):
    attempts = List(Nested(ResultAttemptOut), required=True)
    page = Integer(required=True)
    pages = Integer(required=True)
    total = Integer(required=True)
    summary = Nested(ResultSummaryOut, required=True)


class ItemOut(Schema):
    question_id = Integer(required=True)
    type = String(required=True)
    stem = String(required=True)
    options = List(String(), required=True)
    correct = List(Integer(), required=True)
    attempts = Integer(required=True)
    answered = Integer(required=True)
    correct_count = Integer(required=True)
    facility = Float(required=True)
    discrimination = Float(required=True, allow_none=True)
    upper_count = Integer(required=True)
    lower_count = Integer(required=True)
    option_counts = List(Integer(), required=True)
    unanswered = Integer(required=True)
    needs_review = Boolean(required=True)
    flags = List(String(), required=True)


class ItemAnalysisOut(Schema):
    attempt_count = Integer(required=True)
    group_size = Integer(required=True)
    items = List(Nested(ItemOut), required=True)


class AuditQuery(PageQuery):
    target_type = String(load_default=None, allow_none=True, validate=Length(1, 20))
    target_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)
    actor_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)
    action = String(load_default=None, allow_none=True, validate=Length(1, 40))


class AuditEntryOut(Schema):
    id = Integer(required=True)
    created_at = String(required=True)
    actor_id = Integer(required=True, allow_none=True)
    actor_name = String(required=True)
    action = String(required=True)
    target_type = String(required=True)
    target_id = Integer(required=True, allow_none=True)
    summary = String(required=True)
    changes = Dict(required=True)


class AuditOut(Schema):
    entries = List(Nested(AuditEntryOut), required=True)
    page = Integer(required=True)
    pages = Integer(required=True)
    total = Integer(required=True)


# ---------------------------------------------------------------- boards


class LeaderboardUnit(Schema):
    #: null for a unit without participants (listed last)
    rank = Integer(required=True, allow_none=True)
    unit_id = Integer(required=True)
    unit = String(required=True)
    headcount = Integer(required=True)
    participants = Integer(required=True)
    #: 0..1, participants / headcount, capped at 1
    participation_rate = Float(required=True)
    average_score = Float(required=True, allow_none=True)
    #: 0..1 of participants
    pass_rate = Float(required=True, allow_none=True)
    full_marks = Integer(required=True)


class LeaderboardUnitsOut(Schema):
    metric = String(required=True, metadata={"enum": ["average_score", "participation_rate", "composite"]})
    updated_at = String(required=True)
    units = List(Nested(LeaderboardUnit), required=True)


class LeaderboardUnitsQuery(Strict):
    #: rank this unit's direct children, each with its whole subtree's figures (absent: every unit, flat)
    parent_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)


class LeaderboardUser(Schema):
    #: in the whole contest, or within the unit when unit_id is given
    rank = Integer(required=True)
    user_id = Integer(required=True)
    display_name = String(required=True)
    unit = String(required=True, allow_none=True)
    best_score = Float(required=True)
    duration_seconds = Integer(required=True)
    submitted_at = String(required=True)


class LeaderboardUsersOut(Schema):
    updated_at = String(required=True)
    users = List(Nested(LeaderboardUser), required=True)


class LeaderboardUsersQuery(Strict):
    unit_id = Integer(load_default=None, allow_none=True, validate=DATABASE_ID)
    limit = Integer(load_default=50, validate=Range(1, 1000))


# ---------------------------------------------------------------- campaigns


class CampaignOut(Schema):
    id = Integer(required=True)
    title = String(required=True)
    year = Integer(required=True)
    #: 主题
    theme = String(required=True)
    #: calendar days in the campaign's time zone, both included (YYYY-MM-DD)
    starts_on = String(required=True)
    ends_on = String(required=True)
    copied_from_id = Integer(required=True, allow_none=True)
    #: whether today lies inside the campaign's dates
    is_current = Boolean(required=True)


class CampaignDetailOut(CampaignOut):
    #: the campaign's contest quizzes (employees: published ones only)
    quiz_ids = List(Integer(), required=True)
    #: its 安全知识闯关 series (employees: published ones only)
    series_ids = List(Integer(), required=True)


class CampaignsOut(Schema):
    campaigns = List(Nested(CampaignOut), required=True)


class CampaignLeaderboardUnit(Schema):
    #: null for a unit without participants (listed last)
    rank = Integer(required=True, allow_none=True)
    unit_id = Integer(required=True)
    unit = String(required=True)
    headcount = Integer(required=True)
    #: people who finished at least one of the campaign's quizzes
    participants = Integer(required=True)
    #: 0..1, participants / headcount, capped at 1
    participation_rate = Float(required=True)
    #: 0..100: participants' campaign scores averaged (each: best percentage per quiz, averaged)
    average_score = Float(required=True, allow_none=True)


class CampaignLeaderboardOut(Schema):
    campaign_id = Integer(required=True)
    title = String(required=True)
    year = Integer(required=True)
    theme = String(required=True)
    #: the whole campaign: people with a result, their share of the headcount, their average score (0..100)
    participants = Integer(required=True)
    participation_rate = Float(required=True)
    average_score = Float(required=True, allow_none=True)
    metric = String(required=True)
    updated_at = String(required=True)
    quiz_ids = List(Integer(), required=True)
    units = List(Nested(CampaignLeaderboardUnit), required=True)
