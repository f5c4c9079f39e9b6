"""Models to the API's JSON shapes (one place, so the web UI and API agree)."""

from __future__ import annotations

from datetime import datetime

from ..models import Attempt, Quiz, Unit, User
from ..services.attempts import answers_by_question, review_items, seconds_left
from ..services.clock import isoformat
from ..services.quizzes import quiz_max_score


def unit_ref(unit: Unit | None) -> dict | None:
    return None if unit is None else {"id": unit.id, "name": unit.name}


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit": unit_ref(user.unit),
    }


def unit_json(unit: Unit) -> dict:
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "headcount": unit.headcount}


def quiz_json(quiz: Quiz) -> dict:
    return {
        "id": quiz.id,
        "title": quiz.title,
        "description": quiz.description,
        "time_limit_seconds": quiz.time_limit_seconds,
        "question_count": quiz.question_count,
        "max_score": quiz_max_score(quiz),
        "pass_score": quiz.pass_score,
        "opens_at": isoformat(quiz.opens_at),
        "closes_at": isoformat(quiz.closes_at),
        "max_attempts": quiz.max_attempts,
        "max_attempts_per_day": quiz.max_attempts_per_day,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_options": quiz.shuffle_options,
        "multiple_choice_scoring": quiz.multiple_choice_scoring,
        "review_policy": quiz.review_policy,
        "rules": [
            {
                "category": rule.category.name if rule.category else None,
                "type": rule.type,
                "difficulty": rule.difficulty,
                "count": rule.count,
                "points": rule.points,
            }
            for rule in quiz.rules
        ],
    }


def result_json(attempt: Attempt, now: datetime) -> dict:
    review_available = attempt.quiz.review_allowed(now)
    review = []
    if review_available:
        review = [
            {
                "question_id": item.question_id,
                "selected": item.selected,
                "correct": item.correct,
                "is_correct": item.is_correct,
                "points_awarded": item.points_awarded,
                "explanation": item.explanation,
                "source": item.source,
            }
            for item in review_items(attempt)
        ]
    return {
        "attempt_id": attempt.id,
        "status": attempt.status,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "correct_count": attempt.correct_count,
        "question_count": attempt.question_count,
        "passed": bool(attempt.passed),
        "duration_seconds": attempt.duration_seconds,
        "submitted_at": isoformat(attempt.submitted_at),
        "review_available": review_available,
        "review": review,
    }


def attempt_json(attempt: Attempt, now: datetime) -> dict:
    """The attempt as its owner sees it: while in progress nothing reveals an answer."""
    answers = answers_by_question(attempt)
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "status": attempt.status,
        "started_at": isoformat(attempt.started_at),
        "deadline": isoformat(attempt.deadline_at),
        "seconds_left": seconds_left(attempt, now),
        "left_page_count": attempt.left_page_count,
        "questions": [
            {
                "id": item.question_id,
                "type": item.type,
                "text": item.stem,
                "points": item.points,
                "options": [
                    {"id": display, "text": item.options[canonical]}
                    for display, canonical in enumerate(item.option_order)
                ],
                "selected": list(answers[item.question_id].selected) if item.question_id in answers else [],
                "marked": bool(item.is_marked),
            }
            for item in attempt.questions
        ],
        "result": result_json(attempt, now) if attempt.is_final else None,
    }
