"""Grading by question type: a small registry instead of an if-chain."""

from __future__ import annotations

from typing import Callable

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


GRADERS: dict[str, Grader] = {
    "single": _grade_exact,
    "true_false": _grade_exact,
    "multiple": _grade_multiple,
}


def grade_answer(question_type: str, correct, selected, points: float, policy: str = "all_or_nothing"):
    """Return (is_correct, points_awarded) for canonical option indexes."""
    return GRADERS[question_type](frozenset(correct), frozenset(selected), points, policy)
