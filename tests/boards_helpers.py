"""Helpers for the boards tests: a 10-question contest and attempts taken through the real services."""

from __future__ import annotations

import random
from datetime import timedelta

from quiz.extensions import db
from quiz.services import attempts
from quiz.services.quizzes import RuleSpec

from helpers import T0


def contest(build, **kwargs):
    """A 100-point contest (10 single-choice questions x 10 points, pass 60) open around T0."""
    build.questions(10, type="single")
    kwargs.setdefault("pass_score", 60)
    kwargs.setdefault("max_attempts", None)
    kwargs.setdefault("opens_at", T0 - timedelta(days=1))
    kwargs.setdefault("closes_at", T0 + timedelta(days=10))
    return build.quiz([RuleSpec(count=10, type="single", points=10)], **kwargs)


def take(user, quiz, correct: int, *, at=T0, seconds: int = 120, submit: bool = True):
    """Start an attempt at ``at``, answer ``correct`` questions right (the rest wrong), submit ``seconds`` later."""
    attempt, _ = attempts.start_attempt(user, quiz, at, random.Random(user.id))
    for index, item in enumerate(attempt.questions):
        right = [item.option_order.index(c) for c in item.correct]
        wrong = [next(i for i in range(len(item.option_order)) if i not in right)]
        attempts.save_answer(attempt.id, user.id, item.question_id, right if index < correct else wrong, at)
    db.session.commit()
    if submit:
        attempts.submit_attempt(attempt, at + timedelta(seconds=seconds))
        db.session.commit()
    return attempt
