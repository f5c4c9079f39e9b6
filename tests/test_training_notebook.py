"""The wrong-answer notebook: entry (practice, levels, contests once review is allowed) and exit
(two right answers in a row); practice never creates attempts."""

from __future__ import annotations

import random
from datetime import timedelta

import time_machine

from quiz.extensions import db
from quiz.models import Attempt, HarvestedAttempt, Question, NotebookEntry, PracticeSession, TrainingAnswer
from quiz.services import attempts
from quiz.training import levels, notebook, practice
from quiz.services.quizzes import RuleSpec

from helpers import T0, minutes


def entry(user, question):
    db.session.expire_all()
    return db.session.scalar(db.select(NotebookEntry).where(
        NotebookEntry.user_id == user.id, NotebookEntry.question_id == question.id))


def practise(user, question, right: bool, now):
    """One practice round of exactly this question, answered right or wrong."""
    for seed in range(200):  # the category may hold other questions: draw until it is this one
        session = practice.start_session(user, now, count=1, category_id=question.category_id,
                                         rng=random.Random(seed))
        if session.items[0].question_id == question.id:
            break
    assert session.items[0].question_id == question.id
    wrong = [i for i in range(len(question.options)) if i not in question.correct][:1]
    practice.answer_item(session, 0, list(question.correct) if right else wrong, now)
    db.session.commit()
    return session


def test_practice_wrong_enters_and_two_rights_in_a_row_leave(build):
    question = build.question(category="疏散逃生")
    user = build.user()
    practise(user, question, right=True, now=T0)
    assert entry(user, question) is None  # a right answer never adds a question
    practise(user, question, right=False, now=T0 + minutes(1))
    e = entry(user, question)
    assert e.is_active and e.wrong_count == 1 and e.right_streak == 0 and e.last_wrong_source == "practice"
    assert e.entered_at == T0 + minutes(1)
    practise(user, question, right=True, now=T0 + minutes(2))
    e = entry(user, question)
    assert e.is_active and e.right_streak == 1
    practise(user, question, right=False, now=T0 + minutes(3))  # the streak starts over
    e = entry(user, question)
    assert e.is_active and e.right_streak == 0 and e.wrong_count == 2
    assert e.entered_at == T0 + minutes(1)  # still the same stay in the notebook
    practise(user, question, right=True, now=T0 + minutes(4))
    assert entry(user, question).is_active
    practise(user, question, right=True, now=T0 + minutes(5))
    e = entry(user, question)
    assert not e.is_active and e.left_at == T0 + minutes(5) and notebook.active_count(user) == 0
    practise(user, question, right=True, now=T0 + minutes(6))  # stays out
    assert not entry(user, question).is_active
    practise(user, question, right=False, now=T0 + minutes(7))  # back in, fresh streak
    e = entry(user, question)
    assert e.is_active and e.right_streak == 0 and e.wrong_count == 3 and e.entered_at == T0 + minutes(7)
    assert e.left_at is None
    # the notebook is per employee
    assert notebook.active_count(build.user()) == 0


def test_practice_answers_never_count_on_a_board(build):
    build.questions(5, category="消防安全")
    user = build.user()
    session = practice.start_session(user, T0, count=5)
    for item in session.items:
        practice.answer_item(session, item.position, [0], T0)
    db.session.commit()
    assert session.finished_at == T0 and session.answered_count == 5
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0
    assert db.session.scalar(db.select(db.func.count(TrainingAnswer.id))) == 5


def _contest_attempt(build, user, *, review_policy, closes_at=None, wrong_positions=(0,), unanswered=()):
    questions = build.questions(4, type="single", category="应急救援与自救互救")
    quiz = build.quiz([RuleSpec(count=4, type="single", points=5)], review_policy=review_policy,
                      opens_at=T0 - timedelta(days=1), closes_at=closes_at, max_attempts=None)
    attempt, _ = attempts.start_attempt(user, quiz, T0, random.Random(3))
    db.session.commit()
    items = attempt.questions
    for position, item in enumerate(items):
        if position in unanswered:
            continue
        canonical = [c for c in range(4) if c not in item.correct][:1] if position in wrong_positions else item.correct
        attempts.save_answer(attempt.id, user.id, item.question_id, [item.option_order.index(c) for c in canonical], T0)
    db.session.commit()
    return quiz, attempt, [item.question_id for item in items]


def test_contest_with_immediate_review_enters_at_submit(build):
    user = build.user()
    quiz, attempt, qids = _contest_attempt(build, user, review_policy="immediate", wrong_positions=(0,), unanswered=(1,))
    attempts.submit_attempt(attempt, T0 + minutes(5))
    db.session.commit()
    active = {item.question.id: item for item in notebook.active_entries(user)}
    assert set(active) == {qids[0], qids[1]}  # the wrong and the unanswered one
    assert active[qids[0]].entry.last_wrong_source == "contest"
    assert active[qids[0]].entry.last_wrong_at == T0 + minutes(5)
    assert db.session.get(HarvestedAttempt, attempt.id) is not None
    # harvesting again changes nothing
    assert notebook.sync_user(user, T0 + minutes(10)) == 0
    assert db.session.scalar(db.select(db.func.count(TrainingAnswer.id))) == 4


def test_contest_answers_wait_for_the_review_policy(build):
    user = build.user()
    closes = T0 + timedelta(days=2)
    quiz, attempt, qids = _contest_attempt(build, user, review_policy="after_close", closes_at=closes,
                                           wrong_positions=(2, 3))
    attempts.submit_attempt(attempt, T0 + minutes(5))
    db.session.commit()
    assert notebook.active_count(user) == 0  # answers are not public yet
    assert notebook.sync_user(user, closes - minutes(1)) == 0
    assert db.session.scalar(db.select(db.func.count(TrainingAnswer.id))) == 0
    assert notebook.sync_user(user, closes) == 1
    db.session.commit()
    assert {item.question.id for item in notebook.active_entries(user)} == {qids[2], qids[3]}
    assert notebook.sync_user(user, closes + minutes(1)) == 0


def test_contest_that_never_shows_answers_never_fills_the_notebook(build):
    user = build.user()
    quiz, attempt, _ = _contest_attempt(build, user, review_policy="never", wrong_positions=(0, 1, 2))
    attempts.submit_attempt(attempt, T0 + minutes(5))
    db.session.commit()
    assert notebook.sync_user(user, T0 + timedelta(days=365)) == 0
    assert notebook.active_count(user) == 0


def test_after_close_contest_is_synced_when_the_notebook_page_opens(build, client, web_login):
    user = build.user()
    closes = T0 + timedelta(days=1)
    quiz, attempt, qids = _contest_attempt(build, user, review_policy="after_close", closes_at=closes)
    attempts.submit_attempt(attempt, T0 + minutes(5))
    db.session.commit()
    with time_machine.travel(T0 + minutes(10), tick=False):
        web_login(user)
        assert 'id="notebook-empty"' in client.get("/training/notebook").data.decode()
    with time_machine.travel(closes + minutes(1), tick=False):
        web_login(user)
        page = client.get("/training/notebook").data.decode()
    assert f'data-question-id="{qids[0]}"' in page and "竞赛" in page


def test_expired_attempt_is_harvested_by_the_sweeper_too(build):
    user = build.user()
    quiz, attempt, qids = _contest_attempt(build, user, review_policy="immediate", wrong_positions=(), unanswered=(0, 1, 2, 3))
    attempts.expire_overdue_attempts(T0 + timedelta(hours=1))
    db.session.commit()
    assert notebook.active_count(user) == 4


def test_right_answers_in_contests_and_levels_count_towards_leaving(build):
    user = build.user()
    quiz, attempt, qids = _contest_attempt(build, user, review_policy="immediate", wrong_positions=(0,))
    attempts.submit_attempt(attempt, T0 + minutes(5))
    db.session.commit()
    question = db.session.get(Question, qids[0])
    practise(user, question, right=True, now=T0 + minutes(10))
    assert entry(user, question).right_streak == 1
    # a level attempt where it is answered right again takes it out
    trainer = build.user(role="trainer")
    series = levels.create_series("闯关", "", trainer)
    level = levels.add_level(series, now=T0, title="第一关", rules=[RuleSpec(count=1, category_id=question.category_id,
                             type="single")], pass_percent=60, time_limit_seconds=None, created_by=trainer)
    levels.set_series_published(series, True)
    db.session.commit()
    # draw until the level holds our question (the category has several)
    for seed in range(50):
        level_attempt, _ = attempts.start_attempt(user, level, T0 + minutes(20), random.Random(seed))
        if level_attempt.questions[0].question_id == question.id:
            break
        db.session.rollback()
    item = level_attempt.questions[0]
    db.session.commit()
    attempts.save_answer(level_attempt.id, user.id, question.id, [item.option_order.index(c) for c in item.correct],
                         T0 + minutes(21))
    attempts.submit_attempt(level_attempt, T0 + minutes(22))
    db.session.commit()
    assert not entry(user, question).is_active


def test_level_wrong_answer_enters(build):
    build.questions(3, type="single", category="文旅行业安全")
    trainer = build.user(role="trainer")
    series = levels.create_series("闯关", "", trainer)
    level = levels.add_level(series, now=T0, title="第一关", rules=[RuleSpec(count=3, type="single")], pass_percent=60,
                             time_limit_seconds=600, created_by=trainer)
    levels.set_series_published(series, True)
    db.session.commit()
    user = build.user()
    attempt, _ = attempts.start_attempt(user, level, T0)
    db.session.commit()
    attempts.submit_attempt(attempt, T0 + minutes(1))  # nothing answered
    db.session.commit()
    items = notebook.active_entries(user)
    assert len(items) == 3 and {i.entry.last_wrong_source for i in items} == {"level"}


def test_notebook_page_and_notebook_practice(build, client, web_login):
    questions = build.questions(6, type="single", category="消防安全")
    other = build.question(category="疏散逃生")
    user = build.user()
    for question in questions[:2] + [other]:
        practise(user, question, right=False, now=T0)
    web_login(user)
    page = client.get("/training/notebook").data.decode()
    assert 'id="notebook-total">3<' in page
    for question in questions[:2] + [other]:
        assert f'data-question-id="{question.id}"' in page and "✓ 正确答案" in page
    assert f'data-question-id="{questions[3].id}"' not in page
    filtered = client.get(f"/training/notebook?category={other.category_id}").data.decode()
    assert f'data-question-id="{other.id}"' in filtered and f'data-question-id="{questions[0].id}"' not in filtered

    started = client.post("/training/notebook/practice", data={"category_id": 0, "count": 10})
    session = db.session.scalar(db.select(PracticeSession).order_by(PracticeSession.id.desc()))
    assert started.headers["Location"].endswith(f"/training/practice/{session.id}")
    assert session.mode == "notebook" and session.question_count == 3
    assert {item.question_id for item in session.items} == {questions[0].id, questions[1].id, other.id}


def test_notebook_practice_with_an_empty_notebook(build, client, web_login):
    build.questions(2)
    web_login(build.user())
    response = client.post("/training/notebook/practice", data={"category_id": 0, "count": 5}, follow_redirects=True)
    assert "错题本里没有可练习的题目" in response.data.decode()
