"""Practice mode through the web pages: one question at a time, feedback, resume, summary."""

from __future__ import annotations

import random
import re

import pytest

from quiz.errors import InsufficientQuestions, InvalidAnswer, ValidationFailed
from quiz.extensions import db
from quiz.models import PracticeSession, Question, TrainingAnswer
from quiz.training import practice

from helpers import T0


def current_position(page: str) -> int:
    return int(re.search(r'name="position" value="(\d+)"', page).group(1))


def test_practice_round_with_feedback_and_resume(build, client, web_login):
    build.questions(4, type="single", category="消防安全")
    build.questions(3, type="true_false", category="疏散逃生")
    fire = build.category("消防安全")
    user = build.user()
    web_login(user)
    index = client.get(f"/training/?category={fire.id}").data.decode()
    assert f'<option selected value="{fire.id}">' in index or f'value="{fire.id}" selected' in index
    started = client.post("/training/practice", data={"category_id": fire.id, "count": 5})
    session = db.session.scalar(db.select(PracticeSession))
    assert started.headers["Location"].endswith(f"/training/practice/{session.id}")
    assert session.question_count == 4  # only four in the category
    assert {db.session.get(Question, i.question_id).category_id for i in session.items} == {fire.id}

    page = client.get(f"/training/practice/{session.id}").data.decode()
    assert current_position(page) == 0 and "第 1 / 4 题" in page
    assert 'id="practice-form"' in page and "js/training.js" in page
    # no answer chosen: refused, nothing recorded
    refused = client.post(f"/training/practice/{session.id}/answer", data={"position": 0}, follow_redirects=True)
    assert "请先选择答案" in refused.data.decode()

    first = db.session.get(Question, session.items[0].question_id)
    wrong_option = next(i for i in range(4) if i not in first.correct)
    answered = client.post(f"/training/practice/{session.id}/answer", data={"position": 0, "option": wrong_option})
    assert answered.headers["Location"].endswith(f"/training/practice/{session.id}/items/0")
    feedback = client.get(f"/training/practice/{session.id}/items/0").data.decode()
    assert "✗ 回答错误" in feedback and first.explanation in feedback and first.source in feedback
    assert "✓ 正确答案" in feedback and "已收入错题本" in feedback
    # a resubmitted form does not count twice
    client.post(f"/training/practice/{session.id}/answer", data={"position": 0, "option": first.correct[0]})
    db.session.refresh(session)
    assert session.answered_count == 1 and session.items[0].is_correct is False

    # leave and come back: the round resumes at question 2
    home = client.get("/").data.decode()
    assert f"/training/practice/{session.id}" in home and "继续练习（1/4）" in home
    page = client.get(f"/training/practice/{session.id}").data.decode()
    assert current_position(page) == 1
    for position in (1, 2, 3):
        question = db.session.get(Question, session.items[position].question_id)
        client.post(f"/training/practice/{session.id}/answer", data={"position": position, "option": question.correct[0]})
        assert "✓ 回答正确" in client.get(f"/training/practice/{session.id}/items/{position}").data.decode()
    summary = client.get(f"/training/practice/{session.id}").data.decode()
    assert 'id="practice-score">3 / 4<' in summary
    db.session.refresh(session)
    assert session.finished_at is not None and session.correct_count == 3
    assert db.session.scalar(db.select(db.func.count(TrainingAnswer.id))) == 4


def test_multiple_choice_needs_every_correct_option(build):
    question = build.question(type="multiple", options=["甲", "乙", "丙", "丁"], correct=[0, 2])
    user = build.user()
    session = practice.start_session(user, T0, count=1)
    item = practice.answer_item(session, 0, [0], T0)
    assert item.is_correct is False
    session = practice.start_session(user, T0, count=1)
    assert practice.answer_item(session, 0, [2, 0], T0).is_correct is True
    session = practice.start_session(user, T0, count=1)
    with pytest.raises(InvalidAnswer):
        practice.answer_item(session, 0, [7], T0)
    assert question.id == session.items[0].question_id


def test_new_round_closes_the_open_one_and_unseen_questions_come_first(build):
    questions = build.questions(6, type="single")
    user = build.user()
    first = practice.start_session(user, T0, count=3, rng=random.Random(1))
    practice.answer_item(first, 0, [1], T0)
    practice.answer_item(first, 1, [1], T0)
    seen = {first.items[0].question_id, first.items[1].question_id}
    second = practice.start_session(user, T0, count=4, rng=random.Random(2))
    db.session.commit()
    assert first.finished_at == T0 and practice.open_session(user).id == second.id
    assert not seen & {item.question_id for item in second.items}
    assert len(questions) == 6


def test_practice_limits(build):
    build.questions(2)
    user = build.user()
    with pytest.raises(ValidationFailed):
        practice.start_session(user, T0, count=0)
    with pytest.raises(ValidationFailed):
        practice.start_session(user, T0, count=51)
    with pytest.raises(InsufficientQuestions):
        practice.start_session(user, T0, count=5, category_id=build.category("没有题的分类").id)


def test_someone_elses_practice_is_not_found(build, client, web_login):
    build.questions(2)
    owner = build.user()
    session = practice.start_session(owner, T0, count=2)
    db.session.commit()
    web_login(build.user())
    assert client.get(f"/training/practice/{session.id}").status_code == 404
    assert client.post(f"/training/practice/{session.id}/answer", data={"position": 0, "option": 1}).status_code == 404


def test_training_pages_need_login(client):
    for url in ["/training/", "/training/notebook", "/training/levels", "/training/certificates",
                "/training/practice/1", "/training/manage", "/training/posters"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
