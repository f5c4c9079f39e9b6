"""The draw's candidate pools are cached per bank version: one lookup per start, never a stale pool."""

from __future__ import annotations

import random

from quiz.extensions import db
from quiz.models import Question
from quiz.services import attempts, quizzes
from quiz.services.quizzes import RuleSpec

from helpers import T0, StatementLog


def _start(build, quiz, seed=1):
    attempt, _ = attempts.start_attempt(build.user(), quiz, T0, random.Random(seed))
    db.session.commit()
    return {item.question_id for item in attempt.questions}


def test_a_second_start_reads_no_candidate_pool(build):
    build.questions(4, type="single")
    build.questions(3, type="multiple")
    quiz = build.quiz([RuleSpec(count=2, type="single"), RuleSpec(count=2, type="multiple")])
    _start(build, quiz)
    user = build.user()
    with StatementLog() as log:
        attempts.start_attempt(user, quiz, T0, random.Random(2))
        db.session.commit()
    pool_queries = [s for s in log.statements if s.lstrip().startswith("SELECT question.id \n")]
    assert pool_queries == []
    assert log.count("question_bank_version") == 1


def test_a_changed_bank_is_drawn_at_the_next_start(build):
    questions = build.questions(2, type="single")
    quiz = build.quiz([RuleSpec(count=2, type="single")])
    assert _start(build, quiz) == {q.id for q in questions}
    version = quizzes.bank_version()
    retired = db.session.get(Question, questions[0].id)
    retired.is_active = False
    db.session.commit()
    assert quizzes.bank_version() != version
    added = build.question(type="single")
    assert _start(build, quiz) == {questions[1].id, added.id}
    moved = db.session.get(Question, questions[1].id)
    moved.type = "multiple"
    moved.correct = [0, 1]
    db.session.commit()
    build.question(type="single")
    assert questions[1].id not in _start(build, quiz)


def test_a_flush_that_writes_no_question_keeps_the_version(build):
    build.questions(2, type="single")
    version = quizzes.bank_version()
    build.user()
    unchanged = db.session.scalar(db.select(Question))
    unchanged.stem = unchanged.stem  # no change
    db.session.commit()
    assert quizzes.bank_version() == version != ""


def test_a_transaction_that_changed_the_bank_draws_from_the_database(build):
    build.questions(2, type="single")
    rule = RuleSpec(count=1, type="single")
    cached = quizzes.candidate_pools([rule])[0]
    db.session.commit()
    extra = Question(**{c: getattr(db.session.scalar(db.select(Question)), c)
                        for c in ("category_id", "type", "stem", "stem_key", "options", "correct", "difficulty")})
    extra.stem_key += "x"
    db.session.add(extra)
    db.session.flush()
    assert quizzes.candidate_pools([rule])[0] == (*cached, extra.id)
    db.session.rollback()
    assert quizzes.candidate_pools([rule])[0] == cached  # the rolled-back question was never cached


def test_a_second_start_reads_no_rule_and_no_question_it_has_cached(build):
    build.questions(2, type="single")
    quiz = build.quiz([RuleSpec(count=2, type="single")])
    _start(build, quiz)
    user = build.user()
    with StatementLog() as log:
        attempts.start_attempt(user, quiz, T0, random.Random(2))
        db.session.commit()
    assert log.count("FROM quiz_rule") == 0
    assert log.count("FROM question ") == 0
    assert log.count("SAVEPOINT") == 0


def test_an_edited_question_is_frozen_as_edited_at_the_next_start(build):
    question = build.question(type="single", stem="旧的题干")
    quiz = build.quiz([RuleSpec(count=1, type="single")])
    attempt, _ = attempts.start_attempt(build.user(), quiz, T0, random.Random(1))
    db.session.commit()
    assert attempt.questions[0].stem == "旧的题干"
    edited = db.session.get(Question, question.id)
    edited.stem = "新的题干"
    edited.options = ["甲", "乙", "丙", "丁"]
    edited.correct = [2]
    edited.points = 7
    db.session.commit()
    attempt, _ = attempts.start_attempt(build.user(), quiz, T0, random.Random(1))
    db.session.commit()
    (frozen,) = attempt.questions
    assert (frozen.stem, frozen.options, frozen.correct, frozen.points) == ("新的题干", ["甲", "乙", "丙", "丁"], [2], 7)


def test_edited_quiz_rules_are_honoured_at_the_next_draw(build):
    from quiz.trainer.quiz_builder import update_quiz  # noqa: PLC0415

    singles = build.questions(3, type="single")
    multiples = build.questions(3, type="multiple")
    trainer = build.user(role="trainer")
    quiz = build.quiz([RuleSpec(count=2, type="single")])
    assert len(quizzes.draw_rules(quiz)) == 1  # cached for this bank version
    db.session.commit()
    update_quiz(quiz, quizzes.QuizSettings.of(quiz), [RuleSpec(count=3, type="multiple", points=2)], trainer, T0)
    db.session.commit()
    drawn = _start(build, quiz)
    assert drawn == {q.id for q in multiples} and not drawn & {q.id for q in singles}
    assert quizzes.draw_rules(quiz) == (RuleSpec(count=3, type="multiple", points=2),)


def test_a_rolled_back_question_edit_is_not_cached(build):
    question = build.question(type="single", stem="原题干")
    quiz = build.quiz([RuleSpec(count=1, type="single")])
    db.session.commit()
    edited = db.session.get(Question, question.id)
    edited.stem = "未保存的题干"
    db.session.flush()
    assert quizzes.question_contents([question.id])[question.id].stem == "未保存的题干"
    db.session.rollback()
    attempt, _ = attempts.start_attempt(build.user(), quiz, T0, random.Random(1))
    db.session.commit()
    assert attempt.questions[0].stem == "原题干"
