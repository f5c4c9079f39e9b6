"""Grading registry and quiz creation rules."""

from __future__ import annotations

import pytest

from quiz.errors import InsufficientQuestions, ValidationFailed
from quiz.services import quizzes
from quiz.services.grading import grade_answer
from quiz.services.quizzes import QuizSettings, RuleSpec

from helpers import T0


@pytest.mark.parametrize(
    "qtype, correct, selected, policy, expected",
    [
        ("single", [1], [1], "all_or_nothing", (True, 2.0)),
        ("single", [1], [0], "all_or_nothing", (False, 0.0)),
        ("single", [1], [], "all_or_nothing", (False, 0.0)),
        ("true_false", [0], [0], "partial", (True, 2.0)),
        ("multiple", [0, 2], [0, 2], "all_or_nothing", (True, 2.0)),
        ("multiple", [0, 2], [0], "all_or_nothing", (False, 0.0)),
        ("multiple", [0, 2], [0], "partial", (False, 1.0)),
        ("multiple", [0, 2], [0, 1], "partial", (False, 0.0)),
        ("multiple", [0, 2], [0, 1, 2], "partial", (False, 0.0)),
        ("multiple", [0, 2], [], "partial", (False, 0.0)),
    ],
)
def test_grading(qtype, correct, selected, policy, expected):
    assert grade_answer(qtype, correct, selected, 2, policy) == expected


def test_unsatisfiable_rule_names_rule_and_availability(build):
    build.questions(3, type="single", category="消防安全")
    fire = build.category("消防安全")
    with pytest.raises(InsufficientQuestions) as caught:
        quizzes.create_quiz(QuizSettings(title="t", time_limit_seconds=600),
                            [RuleSpec(count=2, type="single"), RuleSpec(count=5, category_id=fire.id, type="single")],
                            None, T0)
    assert "第 2 条" in caught.value.message and "只有 3 题" in caught.value.message
    assert caught.value.extra == {"rule": 2, "needed": 5, "available": 3}


def test_overlapping_rules_that_cannot_be_met_together(build):
    build.questions(4, type="single")
    with pytest.raises(InsufficientQuestions):
        quizzes.create_quiz(QuizSettings(title="t", time_limit_seconds=600),
                            [RuleSpec(count=3, type="single"), RuleSpec(count=3)], None, T0)


def test_inactive_questions_are_not_drawn(build):
    questions = build.questions(3, type="single")
    questions[0].is_active = False
    with pytest.raises(InsufficientQuestions):
        quizzes.create_quiz(QuizSettings(title="t", time_limit_seconds=600), [RuleSpec(count=3)], None, T0)


@pytest.mark.parametrize(
    "override, field",
    [
        ({"title": " "}, "title"),
        ({"time_limit_seconds": 5}, "time_limit_seconds"),
        ({"pass_score": 1000}, "pass_score"),
        ({"review_policy": "sometimes"}, "review_policy"),
        ({"multiple_choice_scoring": "half"}, "multiple_choice_scoring"),
        ({"max_attempts": 0}, "max_attempts"),
    ],
)
def test_quiz_validation(build, override, field):
    build.questions(3, type="single")
    settings = QuizSettings(**{"title": "测验", "time_limit_seconds": 600, **override})
    with pytest.raises(ValidationFailed) as caught:
        quizzes.create_quiz(settings, [RuleSpec(count=3, points=1)], None, T0)
    assert caught.value.extra["field"] == field


def test_window_must_close_after_it_opens(build):
    build.questions(3, type="single")
    with pytest.raises(ValidationFailed) as caught:
        quizzes.create_quiz(QuizSettings(title="t", time_limit_seconds=600, opens_at=T0, closes_at=T0),
                            [RuleSpec(count=3)], None, T0)
    assert caught.value.extra["field"] == "closes_at"


def test_one_untimed_threshold_for_contests_and_levels(build, client, web_login):
    """A 13-hour contest still shows its countdown; only the longest limit (a level's 不限时) is untimed."""
    long_contest = build.quiz(time_limit_seconds=13 * 3600)
    day_long = build.quiz(time_limit_seconds=24 * 3600)
    assert not long_contest.is_untimed and day_long.is_untimed
    user = build.user()
    web_login(user)
    started = client.post(f"/quizzes/{long_contest.id}/start")
    page = client.get(started.headers["Location"]).data.decode()
    assert 'data-untimed="0"' in page
