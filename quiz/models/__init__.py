"""The data model: import from here."""

from .accounts import ROLE_LABELS, ROLES, STAFF_ROLES, UNIT_KINDS, ApiToken, LoginSession, Unit, User
from .attempts import best_attempt, ATTEMPT_STATUSES, FINAL_STATUSES, Answer, Attempt, AttemptQuestion
from .audit import AuditEntry
from .base import UTCDateTime, utcnow
from .campaigns import Campaign
from .boards import RANKING_METRIC_LABELS, RANKING_METRICS, BoardVersion, DisplayLink
from .import_mappings import ImportMapping
from .learning import (
    COURSE_FILE_KINDS,
    COURSE_ITEM_KIND_LABELS,
    COURSE_ITEM_KINDS,
    Course,
    CourseCompletion,
    CourseFile,
    CourseItem,
    CourseProgress,
)
from .imports import IMPORT_KINDS, PendingImport
from .records import (
    ATTENDANCE_METHOD_LABELS,
    ATTENDANCE_METHODS,
    CORRECTION_ACTION_LABELS,
    CORRECTION_ACTIONS,
    DEFAULT_POSITION,
    POSITIONS,
    RECORD_ENTRY_KIND_LABELS,
    RECORD_ENTRY_KINDS,
    REQUIREMENT_METRIC_LABELS,
    REQUIREMENT_METRICS,
    SessionAttendance,
    TrainingCorrection,
    TrainingRequirement,
    TrainingSession,
)
from .questions import Category, Question, QuestionBankVersion, SupersededEdition
from .quizzes import (
    MAX_TIME_LIMIT_SECONDS,
    REVIEW_POLICIES,
    SCORING_POLICIES,
    Quiz,
    QuizRule,
)
from .training import (
    ANSWER_SOURCES,
    PRACTICE_MODES,
    Certificate,
    HarvestedAttempt,
    LevelSeries,
    NotebookEntry,
    PracticeItem,
    PracticeSession,
    TrainingAnswer,
)

__all__ = [
    "LoginSession",
    "best_attempt",
    "STAFF_ROLES",
    "MAX_TIME_LIMIT_SECONDS",
    "ATTEMPT_STATUSES", "FINAL_STATUSES", "REVIEW_POLICIES", "ROLES", "ROLE_LABELS",
    "SCORING_POLICIES", "UNIT_KINDS", "Answer", "ApiToken", "Attempt", "AttemptQuestion",
    "Category", "Question", "QuestionBankVersion", "SupersededEdition", "Quiz", "QuizRule", "Unit", "User", "UTCDateTime", "utcnow",
    "AuditEntry", "Campaign", "IMPORT_KINDS", "ImportMapping", "PendingImport",
    "RANKING_METRICS", "RANKING_METRIC_LABELS", "BoardVersion", "DisplayLink",
    "ANSWER_SOURCES", "PRACTICE_MODES", "Certificate", "HarvestedAttempt", "LevelSeries", "NotebookEntry",
    "PracticeItem", "PracticeSession", "TrainingAnswer",
    "COURSE_FILE_KINDS", "COURSE_ITEM_KINDS", "COURSE_ITEM_KIND_LABELS", "Course", "CourseCompletion", "CourseFile",
    "CourseItem", "CourseProgress",
    "ATTENDANCE_METHODS", "ATTENDANCE_METHOD_LABELS", "CORRECTION_ACTIONS", "CORRECTION_ACTION_LABELS",
    "DEFAULT_POSITION", "POSITIONS", "RECORD_ENTRY_KINDS", "RECORD_ENTRY_KIND_LABELS",
    "REQUIREMENT_METRICS", "REQUIREMENT_METRIC_LABELS",
    "SessionAttendance", "TrainingCorrection", "TrainingRequirement", "TrainingSession",
]
