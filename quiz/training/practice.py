"""Practice mode: untimed, one question at a time, immediate feedback; never on a board.

A session draws its questions when it starts (from a category or all of the bank, or
from the employee's wrong-answer notebook) and keeps them, so the employee can leave and
resume where they left off.  Starting a new session closes the open one.  Questions the
employee has never answered come first, then the rest, each group in random order.
Options are shown in their canonical order; answers are graded all-or-nothing.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select

from ..errors import InsufficientQuestions, InvalidAnswer, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Category,
    NotebookEntry,
    PracticeItem,
    PracticeSession,
    Question,
    TrainingAnswer,
    User,
)
from ..services.grading import choice_problem, grade_answer
from ..services.quizzes import draw_rng
from .mastery import Result
from .notebook import record_results

PRACTICE_SIZES = (5, 10, 20, 50)
MAX_PRACTICE_QUESTIONS = 50


def open_session(user: User) -> PracticeSession | None:
    """The user's unfinished session, if any (the one to resume)."""
    return db.session.scalar(
        select(PracticeSession)
        .where(PracticeSession.user_id == user.id, PracticeSession.finished_at.is_(None))
        .order_by(PracticeSession.id.desc())
        .limit(1)
    )


def get_own_session(session_id: int, user: User) -> PracticeSession:
    session = db.session.scalar(
        select(PracticeSession).where(PracticeSession.id == session_id, PracticeSession.user_id == user.id)
    )
    if session is None:
        raise NotFound("练习记录不存在", code="practice_not_found")
    return session


def _bank_candidates(user: User, category_id: int | None) -> list[int]:
    query = select(Question.id).where(Question.is_active.is_(True)).order_by(Question.id)
    if category_id is not None:
        query = query.where(Question.category_id == category_id)
    return list(db.session.scalars(query))


def _notebook_candidates(user: User, category_id: int | None) -> list[int]:
    query = (
        select(NotebookEntry.question_id)
        .join(Question, Question.id == NotebookEntry.question_id)
        .where(NotebookEntry.user_id == user.id, NotebookEntry.is_active.is_(True), Question.is_active.is_(True))
        .order_by(NotebookEntry.question_id)
    )
    if category_id is not None:
        query = query.where(Question.category_id == category_id)
    return list(db.session.scalars(query))


def start_session(
    user: User,
    now: datetime,
    *,
    count: int,
    category_id: int | None = None,
    mode: str = "bank",
    rng: random.Random | None = None,
) -> PracticeSession:
    """Draw a new practice round (closing any open one)."""
    rng = rng or draw_rng()
    if mode not in ("bank", "notebook"):
        raise ValidationFailed("练习方式无效", field="mode")
    if not 1 <= count <= MAX_PRACTICE_QUESTIONS:
        raise ValidationFailed(f"每轮练习 1-{MAX_PRACTICE_QUESTIONS} 题", field="count")
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise ValidationFailed("分类不存在", field="category_id")
    if mode == "notebook":
        candidates = _notebook_candidates(user, category_id)
        if not candidates:
            raise InsufficientQuestions("错题本里没有可练习的题目", code="notebook_empty")
        rng.shuffle(candidates)
        picked = candidates[:count]
    else:
        candidates = _bank_candidates(user, category_id)
        if not candidates:
            raise InsufficientQuestions("该分类下没有可练习的题目")
        seen = set(db.session.scalars(
            select(TrainingAnswer.question_id).where(TrainingAnswer.user_id == user.id).distinct()
        ))
        fresh = [qid for qid in candidates if qid not in seen]
        known = [qid for qid in candidates if qid in seen]
        rng.shuffle(fresh)
        rng.shuffle(known)
        picked = (fresh + known)[:count]
    current = open_session(user)
    if current is not None:
        current.finished_at = now
    session = PracticeSession(
        user_id=user.id, mode=mode, category_id=category_id, question_count=len(picked), created_at=now,
    )
    session.items = [PracticeItem(position=i, question_id=qid) for i, qid in enumerate(picked)]
    db.session.add(session)
    db.session.flush()
    return session


def next_item(session: PracticeSession) -> PracticeItem | None:
    """The first question not answered yet (None when the round is done)."""
    return next((item for item in session.items if item.selected is None), None)


def get_item(session: PracticeSession, position: int) -> PracticeItem:
    item = next((item for item in session.items if item.position == position), None)
    if item is None:
        raise NotFound("该题不在本轮练习中", code="practice_item_not_found")
    return item


def answer_item(session: PracticeSession, position: int, selected: list[int], now: datetime) -> PracticeItem:
    """Grade one answer (canonical option indexes), log it and update the notebook.

    Answering an item again returns the first answer unchanged (a double click or a
    resubmitted form must not count twice).
    """
    # Lock the session row (PostgreSQL; SQLite's write transaction already holds the lock),
    # so that two submits of one answer are counted once.
    db.session.refresh(session, with_for_update=True)
    db.session.expire(session, ["items"])
    item = get_item(session, position)
    db.session.refresh(item)
    if item.selected is not None:
        return item
    if session.finished_at is not None:
        raise ValidationFailed("本轮练习已结束，请开始新一轮", code="practice_finished")
    question = db.session.get(Question, item.question_id)
    if not selected:
        raise InvalidAnswer("请先选择答案")
    problem = choice_problem(question.type, selected, len(question.options))
    if problem:
        raise InvalidAnswer(problem)
    chosen = sorted(selected)
    is_correct, _points = grade_answer(question.type, question.correct, chosen, question.points)
    item.selected = chosen
    item.is_correct = is_correct
    item.answered_at = now
    session.answered_count += 1
    session.correct_count += int(is_correct)
    if session.answered_count >= session.question_count:
        session.finished_at = now
    db.session.flush()
    record_results(session.user_id, [Result(question.id, question.category_id, is_correct)], now, "practice")
    return item
