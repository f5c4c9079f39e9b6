"""API: categories, quizzes and the timed attempt (start, autosave, submit, page left)."""

from __future__ import annotations

from ..auth_setup import api_auth, api_identity, api_user
from ..database import write_block
from ..services import attempts, questions, quizzes
from ..services.clock import isoformat, now_utc, seconds_until
from .blueprint import BEARER, bp
from .presenters import (
    attempt_json,
    result_json,
)
from .schemas import (
    AnswerIn,
    AnswerOut,
    AttemptOut,
    CategoriesOut,
    LeaveOut,
    QuizOut,
    QuizzesOut,
    ResultOut,
)


@bp.get("/categories")
@api_auth()
@bp.output(CategoriesOut)
@bp.doc(summary="Categories with their number of active questions", security=BEARER, responses=[401])
def list_categories():
    return {
        "categories": [
            {"id": category.id, "name": category.name, "question_count": count}
            for category, count in questions.category_counts()
        ]
    }


@bp.get("/quizzes")
@api_auth()
@bp.output(QuizzesOut)
@bp.doc(summary="Published quizzes with the caller's status and attempts used", security=BEARER, responses=[401])
def list_quizzes():
    return {"quizzes": attempts.quiz_statuses(api_user(), quizzes.published_quizzes(), now_utc())}


@bp.get("/quizzes/<int:quiz_id>")
@api_auth()
@bp.output(QuizOut)
@bp.doc(summary="One published quiz", security=BEARER, responses=[401, 404])
def get_quiz(quiz_id):
    return quizzes.get_quiz(quiz_id)


@bp.post("/quizzes/<int:quiz_id>/attempts")
@api_auth()
@bp.output(AttemptOut, status_code=201, description="A new attempt")
@bp.doc(summary="Start an attempt, or resume the one in progress (200)", security=BEARER,
        responses={200: {"description": "The attempt already in progress",
                         "content": {"application/json": {"schema": AttemptOut}}},
                   401: "Unauthorized", 403: "Quiz closed", 404: "Not found", 409: "Attempts exhausted"})
def start_attempt(quiz_id):
    now = now_utc()
    quiz = quizzes.get_quiz(quiz_id)
    # the caller's identity is all a start reads of the user (no user row loaded)
    attempt, paper = attempts.start_attempt_with_paper(api_identity(), quiz, now)
    if paper is None:  # resumed
        return attempt_json(attempt, now), 200
    # a new attempt: its questions are the rows just frozen, and it has no answers yet
    return attempt_json(attempt, now, questions=paper, answers={}), 201


def _load_attempt_finalizing(attempt_id: int, now):
    """The caller's attempt; an overdue one is finalized on this touch."""
    attempt = attempts.get_own_attempt(attempt_id, api_identity().id)
    if attempt.is_overdue(now):
        with write_block():
            attempts.finalize_if_expired(attempt, now)
    return attempt


@bp.get("/attempts/<int:attempt_id>")
@api_auth()
@bp.output(AttemptOut)
@bp.doc(summary="One of the caller's attempts, with its result once finalized", security=BEARER,
        responses=[401, 404])
def get_attempt(attempt_id):
    now = now_utc()
    attempt = _load_attempt_finalizing(attempt_id, now)
    return attempt_json(attempt, now)


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@api_auth()
@bp.input(AnswerIn, arg_name="body")
@bp.output(AnswerOut)
@bp.doc(summary="Save the selection for one question (autosave)", security=BEARER,
        responses=[401, 404, 409])
def save_answer(attempt_id, question_id, body):
    now = now_utc()
    deadline = attempts.save_answer(attempt_id, api_identity().id, question_id, body["selected"], now)
    return {"saved_at": isoformat(now), "seconds_left": seconds_until(deadline, now)}


@bp.post("/attempts/<int:attempt_id>/submit")
@api_auth()
@bp.output(ResultOut)
@bp.doc(summary="Submit (finalize) the attempt; idempotent", security=BEARER, responses=[401, 404])
def submit_attempt(attempt_id):
    now = now_utc()
    attempt = attempts.get_own_attempt(attempt_id, api_identity().id)
    attempts.submit_attempt(attempt, now)
    return result_json(attempt, now)


@bp.post("/attempts/<int:attempt_id>/leave")
@api_auth()
@bp.output(LeaveOut)
@bp.doc(summary="Record that the quiz page was hidden (tab or app switch); evidence only",
        security=BEARER, responses=[401, 404, 409])
def record_leave(attempt_id):
    count = attempts.record_page_left(attempt_id, api_identity().id, now_utc())
    return {"left_page_count": count}
