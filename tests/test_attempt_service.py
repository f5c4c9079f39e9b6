"""The timed attempt as plain service calls with an explicit clock."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from quiz.errors import AttemptsExhausted, InvalidAnswer, NotFound, QuizClosed, TimeUp
from quiz.extensions import db
from quiz.models import Attempt, Question
from quiz.services import attempts
from quiz.services.quizzes import RuleSpec

from helpers import T0, minutes


def start(user, quiz, now=T0, seed=1):
    attempt, created = attempts.start_attempt(user, quiz, now, random.Random(seed))
    db.session.commit()
    return attempt, created


def answer_correctly(attempt, user, now):
    for item in attempt.questions:
        display = [item.option_order.index(c) for c in item.correct]
        attempts.save_answer(attempt.id, user.id, item.question_id, display, now)
    db.session.commit()


def submitted_full_marks(build):
    """A user's attempt at a default quiz, every question answered correctly at T0+1 min and
    submitted at T0+2 min; returns (user, attempt)."""
    quiz = build.quiz()
    user = build.user()
    attempt, _ = start(user, quiz)
    answer_correctly(attempt, user, T0 + minutes(1))
    attempts.submit_attempt(attempt, T0 + minutes(2))
    db.session.commit()
    return user, attempt


def test_start_draws_by_rules_and_freezes_questions(build):
    build.questions(5, type="single", category="消防安全")
    build.questions(5, type="multiple", category="疏散逃生")
    build.questions(5, type="true_false", category="消防安全")
    fire = build.category("消防安全")
    quiz = build.quiz([
        RuleSpec(count=2, type="single", category_id=fire.id, points=3),
        RuleSpec(count=3, type="multiple", points=5),
        RuleSpec(count=1, type="true_false"),
    ])
    user = build.user()
    attempt, created = start(user, quiz)
    assert created
    types = [item.type for item in attempt.questions]
    assert sorted(types) == ["multiple"] * 3 + ["single"] * 2 + ["true_false"]
    assert len({item.question_id for item in attempt.questions}) == 6
    assert attempt.max_score == 2 * 3 + 3 * 5 + 1  # true_false keeps its own 1 point
    assert attempt.deadline_at == T0 + timedelta(seconds=quiz.time_limit_seconds)
    for item in attempt.questions:
        if item.type == "single":
            assert db.session.get(Question, item.question_id).category.name == "消防安全"


def test_each_attempt_draws_its_own_questions(build):
    build.questions(30, type="single")
    quiz = build.quiz([RuleSpec(count=5, type="single", points=1)], max_attempts=None)
    first = [item.question_id for item in start(build.user(), quiz, seed=1)[0].questions]
    second = [item.question_id for item in start(build.user(), quiz, seed=2)[0].questions]
    assert first != second


def test_shuffled_options_grade_by_the_taker_view(build):
    build.questions(4, type="single", options=["甲", "乙", "丙", "丁"], correct=[2])
    quiz = build.quiz([RuleSpec(count=4, type="single", points=1)], shuffle_options=True)
    user = build.user()
    attempt, _ = start(user, quiz, seed=7)
    orders = [item.option_order for item in attempt.questions]
    assert any(order != [0, 1, 2, 3] for order in orders)
    answer_correctly(attempt, user, T0 + minutes(1))
    attempts.submit_attempt(attempt, T0 + minutes(2))
    assert attempt.score == 4 and attempt.correct_count == 4


def test_resume_returns_same_attempt_and_answers(build):
    quiz = build.quiz()
    user = build.user()
    attempt, _ = start(user, quiz)
    qid = attempt.questions[0].question_id
    attempts.save_answer(attempt.id, user.id, qid, [1], T0 + minutes(1))
    db.session.commit()
    again, created = start(user, quiz, now=T0 + minutes(3))
    assert not created and again.id == attempt.id
    assert attempts.answers_by_question(again)[qid].selected == [1]


def test_save_validation(build):
    quiz = build.quiz()
    user = build.user()
    attempt, _ = start(user, quiz)
    single = next(i for i in attempt.questions if i.type == "single")
    with pytest.raises(InvalidAnswer):
        attempts.save_answer(attempt.id, user.id, single.question_id, [0, 1], T0)
    with pytest.raises(InvalidAnswer):
        attempts.save_answer(attempt.id, user.id, single.question_id, [4], T0)
    with pytest.raises(NotFound):
        attempts.save_answer(attempt.id, user.id, 999999, [0], T0)
    with pytest.raises(NotFound):
        attempts.save_answer(attempt.id, build.user().id, single.question_id, [0], T0)
    db.session.rollback()
    attempts.save_answer(attempt.id, user.id, single.question_id, [], T0)  # clearing is allowed


def test_answer_after_deadline_refused_and_expiry_keeps_saved_answers(build):
    quiz = build.quiz(time_limit_seconds=600)
    user = build.user()
    attempt, _ = start(user, quiz)
    answer_correctly(attempt, user, T0 + minutes(5))
    with pytest.raises(TimeUp):
        attempts.save_answer(attempt.id, user.id, attempt.questions[0].question_id, [0], T0 + minutes(10))
    db.session.rollback()
    assert attempts.finalize_if_expired(attempt, T0 + minutes(30))
    assert attempt.status == "expired"
    assert attempt.submitted_at == T0 + minutes(10)  # the time it ran out, not when the sweep ran
    assert attempt.duration_seconds == 600
    assert attempt.score == attempt.max_score


def test_submit_after_deadline_finalizes_as_expired(build):
    quiz = build.quiz(time_limit_seconds=60)
    user = build.user()
    attempt, _ = start(user, quiz)
    attempts.submit_attempt(attempt, T0 + minutes(5))
    assert attempt.status == "expired" and attempt.score == 0


def test_submit_twice_returns_same_result(build):
    user, attempt = submitted_full_marks(build)
    first = (attempt.score, attempt.submitted_at, attempt.status)
    attempts.submit_attempt(attempt, T0 + minutes(4))
    assert (attempt.score, attempt.submitted_at, attempt.status) == first
    with pytest.raises(TimeUp):
        attempts.save_answer(attempt.id, user.id, attempt.questions[0].question_id, [0], T0 + minutes(3))


def test_sweeper_expires_only_overdue(build):
    quiz = build.quiz(time_limit_seconds=600, max_attempts=None)
    a1, _ = start(build.user(), quiz, now=T0)
    a2, _ = start(build.user(), quiz, now=T0 + minutes(8))
    count = attempts.expire_overdue_attempts(T0 + minutes(11))
    db.session.commit()
    assert count == 1
    assert db.session.get(Attempt, a1.id).status == "expired"
    assert db.session.get(Attempt, a2.id).status == "in_progress"


def test_max_attempts_total(build):
    quiz = build.quiz(max_attempts=2)
    user = build.user()
    for i in range(2):
        attempt, _ = start(user, quiz, now=T0 + timedelta(days=i))
        attempts.submit_attempt(attempt, T0 + timedelta(days=i, minutes=1))
        db.session.commit()
    with pytest.raises(AttemptsExhausted):
        start(user, quiz, now=T0 + timedelta(days=5))


def test_one_attempt_per_day_in_shanghai_time(build):
    quiz = build.quiz(max_attempts=None, max_attempts_per_day=1)
    user = build.user()
    # 2026-06-10 23:30 in Shanghai is 15:30 UTC
    late_evening = T0.replace(hour=15, minute=30)
    attempt, _ = start(user, quiz, now=late_evening)
    attempts.submit_attempt(attempt, late_evening + minutes(5))
    db.session.commit()
    with pytest.raises(AttemptsExhausted):
        start(user, quiz, now=late_evening + minutes(20))  # 23:50 same local day
    db.session.rollback()
    # 00:10 next local day is still 2026-06-10 16:10 UTC: a new campaign day
    attempt2, created = start(user, quiz, now=late_evening + minutes(40))
    assert created and attempt2.number == 2


def test_quiz_window(build):
    quiz = build.quiz(opens_at=T0 + timedelta(days=1), closes_at=T0 + timedelta(days=2))
    user = build.user()
    with pytest.raises(QuizClosed):
        start(user, quiz, now=T0)
    db.session.rollback()
    with pytest.raises(QuizClosed):
        start(user, quiz, now=T0 + timedelta(days=3))
    db.session.rollback()
    attempt, _ = start(user, quiz, now=T0 + timedelta(days=2) - minutes(2))
    assert attempt.deadline_at == quiz.closes_at  # never past the window


def test_editing_the_bank_never_changes_a_past_score(build):
    _, attempt = submitted_full_marks(build)
    for item in attempt.questions:
        question = db.session.get(Question, item.question_id)
        question.correct = [3]
        question.options = ["改", "过", "的", "题"]
        question.is_active = False
    db.session.commit()
    review = attempts.review_items(attempt)
    assert all(item.is_correct for item in review)
    assert attempt.score == attempt.max_score
    assert review[0].options[0].startswith("选项")


def test_partial_scoring_policy(build):
    build.questions(1, type="multiple", options=list("ABCD"), correct=[0, 1, 2])
    quiz = build.quiz([RuleSpec(count=1, type="multiple", points=4)], multiple_choice_scoring="partial",
                      max_attempts=None)
    cases = [([0, 1], 2.0), ([0, 1, 2], 4.0), ([0, 3], 0.0), ([], 0.0)]
    for selected, expected in cases:
        user = build.user()
        attempt, _ = start(user, quiz)
        attempts.save_answer(attempt.id, user.id, attempt.questions[0].question_id, selected, T0)
        attempts.submit_attempt(attempt, T0 + minutes(1))
        db.session.commit()
        assert attempt.score == expected, selected


def test_quiz_status_for_listing(build):
    quiz = build.quiz(max_attempts=1)
    user = build.user()
    assert attempts.quiz_status(user, quiz, T0) == ("open", 0)
    attempt, _ = start(user, quiz)
    assert attempts.quiz_status(user, quiz, T0) == ("in_progress", 1)
    attempts.submit_attempt(attempt, T0 + minutes(1))
    assert attempts.quiz_status(user, quiz, T0 + minutes(2)) == ("exhausted", 1)
