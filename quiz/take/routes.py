"""Pages of the timed quiz.  Answers are saved through the JSON API by static/js/attempt.js."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth_setup import roles_required
from ..campaigns.services import current_campaign
from ..database import atomic, write_block
from ..errors import DomainError
from ..forms import ActionForm
from ..services import attempts, quizzes
from ..services.clock import now_utc
from ..services.quizzes import quiz_max_score
from ..training.overview import overview
from . import share  # noqa: F401  (the share card's views register on bp too)
from .blueprint import bp
from .result_page import result_context



def _own_attempt_finalizing(attempt_id: int):
    now = now_utc()
    attempt = attempts.get_own_attempt(attempt_id, current_user.id)
    if attempt.is_overdue(now):
        with write_block():
            attempts.finalize_if_expired(attempt, now)
    return attempt, now


@bp.get("/")
@roles_required()
def home():
    now = now_utc()
    rows = []
    for quiz in quizzes.published_quizzes():
        status, used = attempts.quiz_status(current_user, quiz, now)
        rows.append({"quiz": quiz, "status": status, "used": used, "max_score": quiz_max_score(quiz)})
    recent = attempts.user_attempts(current_user)[:5]
    return render_template("take/home.html", rows=rows, recent=recent, training=overview(current_user),
                           campaign=current_campaign(now))


@bp.get("/quizzes/<int:quiz_id>")
@roles_required()
def quiz_detail(quiz_id: int):
    now = now_utc()
    quiz = quizzes.get_quiz(quiz_id)
    status, used = attempts.quiz_status(current_user, quiz, now)
    allowance = attempts.attempt_allowance(current_user, quiz, now)
    return render_template(
        "take/quiz_detail.html",
        quiz=quiz,
        status=status,
        used=used,
        allowance=allowance,
        max_score=quiz_max_score(quiz),
        history=attempts.user_attempts(current_user, quiz),
        form=ActionForm(),
    )


@bp.post("/quizzes/<int:quiz_id>/start")
@roles_required()
def start(quiz_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重试。", "warning")
        return redirect(url_for("take.quiz_detail", quiz_id=quiz_id))
    quiz = quizzes.get_quiz(quiz_id)
    try:
        with atomic():
            attempt, _created = attempts.start_attempt(current_user, quiz, now_utc())
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("take.quiz_detail", quiz_id=quiz_id))
    return redirect(url_for("take.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@roles_required()
def attempt(attempt_id: int):
    attempt, now = _own_attempt_finalizing(attempt_id)
    if attempt.is_final:
        return redirect(url_for("take.result", attempt_id=attempt.id))
    answers = attempts.answers_by_question(attempt)
    selected = {qid: set(answer.selected) for qid, answer in answers.items()}
    return render_template(
        "take/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        selected=selected,
        seconds_left=attempts.seconds_left(attempt, now),
        form=ActionForm(),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@roles_required()
def submit(attempt_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash("页面已过期，请重新提交。", "warning")
        return redirect(url_for("take.attempt", attempt_id=attempt_id))
    attempt = attempts.get_own_attempt(attempt_id, current_user.id)
    attempts.submit_attempt(attempt, now_utc())
    return redirect(url_for("take.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
@roles_required()
def result(attempt_id: int):
    attempt, now = _own_attempt_finalizing(attempt_id)
    if not attempt.is_final:
        return redirect(url_for("take.attempt", attempt_id=attempt.id))
    quiz = attempt.quiz
    review_allowed = quiz.review_allowed(now)
    return render_template(
        "take/result.html",
        attempt=attempt,
        quiz=quiz,
        review_allowed=review_allowed,
        items=attempts.review_items(attempt) if review_allowed else [],
        form=ActionForm(),
        **result_context(attempt, quiz, current_user, now),  # rank, next attempt, share card
    )


@bp.get("/history")
@roles_required()
def history():
    return render_template("take/history.html", attempts=attempts.user_attempts(current_user))


@bp.get("/csrf-token")
@roles_required()
def csrf_token():
    """A fresh CSRF token for a page that has been open long (the quiz page asks after a 400)."""
    return jsonify({"csrf_token": generate_csrf()})


