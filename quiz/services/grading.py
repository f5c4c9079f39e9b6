"""Question types: one registry with each type's labels, choice rule, shuffling and grader.

Every rule that depends on a question's type is read from here (the autosave's SQL
check and its refusal message, practice, the draw, the labels of the UI and of files),
the way CTFd keeps one class per challenge type instead of if-chains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from question_bank import QUESTION_TYPES as FILE_LABELS

Grader = Callable[[frozenset[int], frozenset[int], float, str], tuple[bool, float]]


def _grade_exact(correct: frozenset[int], selected: frozenset[int], points: float, _policy: str):
    is_correct = selected == correct
    return is_correct, float(points) if is_correct else 0.0


def _grade_multiple(correct: frozenset[int], selected: frozenset[int], points: float, policy: str):
    """all_or_nothing: full points only for the exact set.

    partial (选对但不全得一半分): a non-empty proper subset of the correct options earns
    half the points; any wrong option earns 0.
    """
    if selected == correct:
        return True, float(points)
    if policy == "partial" and selected and selected < correct:
        return False, points / 2
    return False, 0.0


@dataclass(frozen=True)
class QuestionType:
    name: str
    #: in the UI: 单选题
    label: str
    #: in question files: 单选
    short_label: str
    #: how many options one answer may choose (None: any number)
    max_choices: int | None
    #: whether a quiz that shuffles options shuffles this type's (正确/错误 keep their order)
    shuffles_options: bool
    grade: Grader


QUESTION_TYPES: dict[str, QuestionType] = {
    "single": QuestionType("single", "单选题", FILE_LABELS["single"], 1, True, _grade_exact),
    "multiple": QuestionType("multiple", "多选题", FILE_LABELS["multiple"], None, True, _grade_multiple),
    "true_false": QuestionType("true_false", "判断题", FILE_LABELS["true_false"], 1, False, _grade_exact),
}

#: type -> UI label (单选题), for templates and form choices
TYPE_LABELS: dict[str, str] = {name: qtype.label for name, qtype in QUESTION_TYPES.items()}

#: Why a selection was refused, in the order a caller should hear it.
DUPLICATE_CHOICE = "同一选项不能重复提交"
FOREIGN_CHOICE = "所选选项不属于该题"
TOO_MANY_CHOICES = "单选题和判断题只能选择一个选项"


def choice_problem(question_type: str, selected: Sequence[int], option_count: int) -> str | None:
    """The rule every saved selection obeys (display or canonical option indexes): no option twice,
    each one of the question's, and no more than the type allows.  None when the selection is valid."""
    chosen = set(selected)
    if len(chosen) != len(selected):
        return DUPLICATE_CHOICE
    if any(not 0 <= index < option_count for index in chosen):
        return FOREIGN_CHOICE
    limit = QUESTION_TYPES[question_type].max_choices
    if limit is not None and len(chosen) > limit:
        return TOO_MANY_CHOICES
    return None


def grade_answer(question_type: str, correct, selected, points: float, policy: str = "all_or_nothing"):
    """Return (is_correct, points_awarded) for canonical option indexes."""
    return QUESTION_TYPES[question_type].grade(frozenset(correct), frozenset(selected), points, policy)
