"""The attempt's JSON shapes, which depend on the moment they are read (review policy, time left);
every other shape is a schema in quiz/api/schemas.py that dumps the objects themselves."""

from __future__ import annotations

from datetime import datetime

from ..models import Attempt
from ..services.attempts import answers_by_question, review_items, seconds_left
from ..services.clock import isoformat


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


def attempt_json(attempt: Attempt, now: datetime, *, questions=None, answers: dict | None = None) -> dict:
    """The attempt as its owner sees it: while in progress nothing reveals an answer.
    ``questions`` (in order) and ``answers`` by question id when the caller has them already
    (a new attempt: the paper just frozen, no answers)."""
    if answers is None:
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
            for item in (attempt.questions if questions is None else questions)
        ],
        "result": result_json(attempt, now) if attempt.is_final else None,
    }
