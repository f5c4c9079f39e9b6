"""The timed attempt: start, save answers, submit, expire.

The server's clock is the only timer.  State changes that race (two starts, a save
against a submit, two submits) are settled by the database: a partial unique index
allows one in-progress attempt per user and quiz, and finalization is a
compare-and-set on the attempt's status under a row lock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Integer, bindparam, case, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..database import dialect_name, single_statement
from ..errors import AttemptsExhausted, Conflict, InvalidAnswer, NotFound, QuizClosed, TimeUp
from ..extensions import db
from ..models import Answer, Attempt, AttemptQuestion, Question, Quiz, User
from ..boards.cache import mark_board_changed
from .clock import campaign_day_start, seconds_until
from .grading import QUESTION_TYPES, choice_problem, grade_answer
from ..training.levels import ensure_level_unlocked
from ..training.notebook import harvest_attempt
from ..learning.services import credit_after_attempt
from .quizzes import draw_question_ids, draw_rng, draw_rules, question_contents


@dataclass(frozen=True)
class AttemptAllowance:
    """How many attempts the user has used and whether another may start now."""

    used_total: int
    used_today: int
    can_start: bool
    reason: str | None  # "quiz_closed" | "attempts_exhausted" | None


def attempt_allowance(user: User, quiz: Quiz, now: datetime) -> AttemptAllowance:
    used_total, used_today = db.session.execute(
        select(
            func.count(Attempt.id),
            func.count(Attempt.id).filter(Attempt.started_at >= campaign_day_start(now)),
        ).where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
    ).one()
    return allowance_from_counts(quiz, now, used_total, used_today)


def allowance_from_counts(quiz: Quiz, now: datetime, used_total: int, used_today: int) -> AttemptAllowance:
    """The attempts rule: the quiz open now, and neither its total nor its daily limit used up."""
    reason = None
    if not quiz.is_open(now):
        reason = "quiz_closed"
    elif quiz.max_attempts is not None and used_total >= quiz.max_attempts:
        reason = "attempts_exhausted"
    elif quiz.max_attempts_per_day is not None and used_today >= quiz.max_attempts_per_day:
        reason = "attempts_exhausted"
    return AttemptAllowance(used_total, used_today, reason is None, reason)


def in_progress_attempt(user: User, quiz: Quiz) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(
            Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.status == "in_progress"
        )
    )


#: The start's one look at the user's attempts at the quiz, built once (SQLAlchemy caches its
#: compiled form): the attempt in progress (its id) and the attempts used in total and today
#: (what attempt_allowance counts).
_START_STATE = select(
    func.max(Attempt.id).filter(Attempt.status == "in_progress"),
    func.count(Attempt.id),
    func.count(Attempt.id).filter(Attempt.started_at >= bindparam("day_start", type_=Attempt.started_at.type)),
).where(Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"))


def _start_state(user, quiz: Quiz, now: datetime) -> tuple[int | None, int, int]:
    """(id of the attempt in progress or None, attempts used in total, attempts used today)."""
    in_progress_id, used_total, used_today = db.session.execute(_START_STATE, {
        "user_id": user.id, "quiz_id": quiz.id, "day_start": campaign_day_start(now)}).one()
    return in_progress_id, used_total, used_today


@dataclass(frozen=True)
class FrozenQuestion:
    """A question as a new attempt froze it (the columns of AttemptQuestion the taker sees)."""

    question_id: int
    position: int
    points: int
    type: str
    stem: str
    options: list[str]
    option_order: list[int]
    is_marked: bool = False


def start_attempt(user, quiz: Quiz, now: datetime, rng: random.Random | None = None) -> tuple[Attempt, bool]:
    """Return (attempt, created): the attempt in progress if there is one, else a new one.

    ``user`` is the User or anything with its ``id`` (the API passes the caller's identity).
    An attempt in progress is resumed even if the quiz has closed meanwhile (it then
    expires at its own deadline).
    """
    attempt, paper = start_attempt_with_paper(user, quiz, now, rng)
    return attempt, paper is not None


def start_attempt_with_paper(user, quiz: Quiz, now: datetime,
                             rng: random.Random | None = None) -> tuple[Attempt, list[FrozenQuestion] | None]:
    """start_attempt, returning the new attempt's frozen questions (in order) instead of
    ``created``: None when an attempt in progress was resumed.  The paper is written with one
    multi-row INSERT and not read back; ``attempt.questions`` loads it when first read."""
    rng = rng or draw_rng()
    ensure_level_unlocked(user, quiz)  # training: level N+1 only after level N is passed
    in_progress_id, used_total, used_today = _start_state(user, quiz, now)
    if in_progress_id is not None:
        current = db.session.get(Attempt, in_progress_id)
        if not finalize_if_expired(current, now):
            return current, None
        _, used_total, used_today = _start_state(user, quiz, now)  # counted again after finalizing
    allowance = allowance_from_counts(quiz, now, used_total, used_today)
    if allowance.reason == "quiz_closed":
        raise QuizClosed()
    if allowance.reason == "attempts_exhausted":
        if quiz.max_attempts is not None and allowance.used_total >= quiz.max_attempts:
            raise AttemptsExhausted(f"该测验最多可答 {quiz.max_attempts} 次，您已用完")
        raise AttemptsExhausted(f"该测验每天最多可答 {quiz.max_attempts_per_day} 次，请明天再来")

    picks = draw_question_ids(draw_rules(quiz), rng)
    if quiz.shuffle_questions:
        rng.shuffle(picks)
    questions = question_contents([qid for qid, _ in picks])
    deadline = now + timedelta(seconds=quiz.time_limit_seconds)
    if quiz.closes_at is not None:
        deadline = min(deadline, quiz.closes_at)
    frozen = []
    for position, (question_id, rule_points) in enumerate(picks):
        question = questions[question_id]
        order = list(range(len(question.options)))
        if quiz.shuffle_options and QUESTION_TYPES[question.type].shuffles_options:
            rng.shuffle(order)
        frozen.append({
            "question_id": question.id,
            "position": position,
            "points": rule_points if rule_points is not None else question.points,
            "type": question.type,
            "stem": question.stem,
            "options": list(question.options),
            "correct": list(question.correct),
            "option_order": order,
            "explanation": question.explanation,
            "source": question.source,
            "is_marked": False,
        })
    dialect_insert = postgresql_insert if dialect_name() == "postgresql" else sqlite_insert
    # ON CONFLICT DO NOTHING: when another request opened an attempt for this user and quiz at
    # the same moment (the one-in-progress index), no row comes back and that attempt is resumed.
    attempt = db.session.scalar(
        dialect_insert(Attempt).values(
            user_id=user.id,
            quiz_id=quiz.id,
            number=allowance.used_total + 1,
            status="in_progress",
            started_at=now,
            deadline_at=deadline,
            question_count=len(picks),
            max_score=float(sum(row["points"] for row in frozen)),
        ).on_conflict_do_nothing().returning(Attempt)
    )
    if attempt is None:
        existing = in_progress_attempt(user, quiz)
        if existing is None:
            # the conflict was the attempt's number: a concurrent start that has ended since
            raise Conflict("另一个开始答题的请求刚刚完成，请刷新后重试", code="start_conflict")
        return existing, None
    # The paper frozen in one multi-row INSERT (Core, on the session's connection: no ORM
    # objects are made for rows this request does not read back).
    db.session.connection().execute(insert(AttemptQuestion.__table__),
                                    [{**row, "attempt_id": attempt.id} for row in frozen])
    return attempt, [FrozenQuestion(row["question_id"], row["position"], row["points"], row["type"], row["stem"],
                                    row["options"], row["option_order"]) for row in frozen]


def get_own_attempt(attempt_id: int, user_id: int) -> Attempt:
    """The user's attempt, or NotFound (someone else's attempt does not exist for them)."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id))
    if attempt is None:
        raise NotFound("答题记录不存在", code="attempt_not_found")
    return attempt


def seconds_left(attempt: Attempt, now: datetime) -> int:
    if attempt.is_final:
        return 0
    return seconds_until(attempt.deadline_at, now)


def _choice_count_allowed(choice_count):
    """SQL: no more options chosen than the question's type allows (grading.QUESTION_TYPES)."""
    limits = {qtype.name: qtype.max_choices for qtype in QUESTION_TYPES.values() if qtype.max_choices is not None}
    # a type without a limit compares the count with itself (no IN list: it would be expanded
    # into the SQL on every execution instead of once when the statement is compiled)
    return choice_count <= case(limits, value=AttemptQuestion.type, else_=choice_count)


def _checked_answer_upsert(dialect_name: str):
    """The autosave in one statement: INSERT ... SELECT ... ON CONFLICT DO UPDATE, whose SELECT
    locks the attempt's row (FOR UPDATE OF attempt on PostgreSQL; SQLite's write transaction
    holds the database lock) and checks everything that makes the save valid: the owner, the
    deadline rule (Attempt.accepts_answers_at), the question in the attempt, the option range
    and the type's choice rule.  It returns the attempt's deadline when it saved, no row when
    it refused."""
    selected = bindparam("selected", type_=JSON)  # no CAST: SQLite would turn it into a number
    saved_at = bindparam("saved_at", type_=Answer.__table__.c.saved_at.type)
    source = (
        select(Attempt.id, AttemptQuestion.question_id, selected, saved_at)
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .where(
            Attempt.id == bindparam("attempt_id"),
            Attempt.user_id == bindparam("user_id"),
            Attempt.accepts_answers_at(saved_at),
            AttemptQuestion.question_id == bindparam("question_id"),
            func.json_array_length(AttemptQuestion.option_order) > bindparam("highest_choice", type_=Integer),
            _choice_count_allowed(bindparam("choice_count", type_=Integer)),
        )
        .with_for_update(of=Attempt)
    )
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    statement = insert(Answer.__table__).from_select(["attempt_id", "question_id", "selected", "saved_at"], source)
    deadline = select(Attempt.deadline_at).where(Attempt.id == bindparam("attempt_id")).scalar_subquery()
    return statement.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"selected": statement.excluded.selected, "saved_at": statement.excluded.saved_at},
    ).returning(deadline)


#: One statement per dialect, built once (SQLAlchemy caches its compiled form).
_ANSWER_UPSERTS = {name: _checked_answer_upsert(name) for name in ("sqlite", "postgresql")}

#: A refused save's question in the attempt.
_QUESTION_FOR_SAVE = select(AttemptQuestion.type, AttemptQuestion.option_order).where(
    AttemptQuestion.attempt_id == bindparam("attempt_id"), AttemptQuestion.question_id == bindparam("question_id"))


def save_answer(attempt_id: int, user_id: int, question_id: int, selected: list[int], now: datetime) -> datetime:
    """Save one selection (display option ids) while the attempt accepts answers; return its deadline.

    The save locks the attempt's row, so a concurrent submit either sees this answer or
    this save is refused: an answer that got a 200 always counts.  It flushes nothing
    and commits nothing: the request commits, or on PostgreSQL the one statement commits by
    itself when the request has no transaction open (quiz.database.single_statement).
    """
    chosen = sorted(set(selected))
    params = {"attempt_id": attempt_id, "user_id": user_id, "question_id": question_id}
    if len(chosen) == len(selected) and (not chosen or chosen[0] >= 0):
        upsert = _ANSWER_UPSERTS[dialect_name()]
        # Core execution: a plain statement needs none of the ORM's per-execution work
        with single_statement() as connection:
            deadline = connection.execute(upsert, {
                **params, "selected": chosen, "saved_at": now,
                "highest_choice": chosen[-1] if chosen else -1, "choice_count": len(chosen)}).scalar()
        if deadline is not None:
            return deadline
    # Refused: say why, from the same rules the statement checks.
    attempt = get_own_attempt(attempt_id, user_id)
    if not attempt.accepts_answers_at(now):
        # Finalizing is left to the next read, submit or the sweeper: the score is the
        # same whenever it runs, because only answers saved before the deadline exist.
        raise TimeUp()
    question = db.session.execute(_QUESTION_FOR_SAVE, params).first()
    if question is None:
        raise NotFound("该题不在本次答卷中", code="question_not_in_attempt")
    problem = choice_problem(question.type, selected, len(question.option_order))
    # Without a problem the statement and these rules disagree: refusing keeps an
    # unchecked selection out.
    raise InvalidAnswer(problem) if problem else TimeUp()


def record_page_left(attempt_id: int, user_id: int, now: datetime) -> int:
    """Count one visibility change away from the quiz page (evidence only, never a penalty)."""
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id, Attempt.status == "in_progress")
        .values(left_page_count=Attempt.left_page_count + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        get_own_attempt(attempt_id, user_id)  # 404 when not theirs
        raise TimeUp("本次答题已结束")
    return db.session.scalar(select(Attempt.left_page_count).where(Attempt.id == attempt_id))


def answers_by_question(attempt: Attempt) -> dict[int, Answer]:
    return {a.question_id: a for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}


def _finalize(attempt: Attempt, status: str, finalized_at: datetime) -> None:
    """Grade the saved answers and close the attempt; the caller holds its row lock."""
    quiz = attempt.quiz
    answers = answers_by_question(attempt)
    score = 0.0
    correct_count = 0
    for item in attempt.questions:
        answer = answers.get(item.question_id)
        selected_canonical = [item.option_order[i] for i in answer.selected] if answer else []
        is_correct, awarded = grade_answer(
            item.type, item.correct, selected_canonical, item.points, quiz.multiple_choice_scoring
        )
        if answer is not None:
            answer.is_correct = is_correct
            answer.points_awarded = awarded
        score += awarded
        correct_count += int(is_correct)
    attempt.status = status
    attempt.submitted_at = finalized_at
    attempt.score = score
    attempt.correct_count = correct_count
    attempt.duration_seconds = max(0, int((finalized_at - attempt.started_at).total_seconds()))
    attempt.passed = score >= quiz.pass_score
    db.session.flush()
    mark_board_changed(attempt.quiz_id, finalized_at)  # boards: a new version, so cached boards refresh
    # training: wrong answers into the notebook, answers into the mastery log (when review is allowed)
    harvest_attempt(attempt, finalized_at)
    # learning: a passed attempt may complete a course that links this quiz (学时)
    credit_after_attempt(attempt, finalized_at)


def _lock_for_finalize(attempt: Attempt) -> Attempt:
    """Re-read the attempt under a row lock (PostgreSQL; SQLite already holds the write lock)."""
    db.session.refresh(attempt, with_for_update=True)
    return attempt


def finalize_if_expired(attempt: Attempt, now: datetime) -> bool:
    """Finalize an overdue attempt with the answers saved before its deadline; True if it did."""
    if not attempt.is_overdue(now):
        return False
    _lock_for_finalize(attempt)
    if attempt.status != "in_progress":
        return False
    _finalize(attempt, "expired", attempt.deadline_at)
    return True


def submit_attempt(attempt: Attempt, now: datetime) -> Attempt:
    """Finalize the attempt; submitting again returns the same result.  After the deadline it expires."""
    if attempt.is_final:
        return attempt
    _lock_for_finalize(attempt)
    if attempt.is_final:
        return attempt
    if not attempt.accepts_answers_at(now):
        _finalize(attempt, "expired", attempt.deadline_at)
    else:
        _finalize(attempt, "submitted", now)
    return attempt


def expire_overdue_attempts(now: datetime, batch_size: int = 200) -> int:
    """Finalize every in-progress attempt past its deadline (the sweeper behind `flask expire-attempts`)."""
    count = 0
    while True:
        overdue = list(
            db.session.scalars(
                select(Attempt)
                .where(Attempt.is_overdue(now))
                .order_by(Attempt.id)
                .limit(batch_size)
            )
        )
        if not overdue:
            return count
        for attempt in overdue:
            count += int(finalize_if_expired(attempt, now))
        db.session.flush()


def user_attempts(user: User, quiz: Quiz | None = None) -> list[Attempt]:
    query = select(Attempt).where(Attempt.user_id == user.id)
    if quiz is not None:
        query = query.where(Attempt.quiz_id == quiz.id)
    return list(db.session.scalars(query.order_by(Attempt.started_at.desc())))


@dataclass
class ReviewItem:
    question_id: int
    position: int
    type: str
    stem: str
    options: list[str]          # in display order
    selected: list[int]         # display ids
    correct: list[int]          # display ids
    is_correct: bool
    points: int
    points_awarded: float
    explanation: str
    source: str


def review_items(attempt: Attempt) -> list[ReviewItem]:
    """Every question of a finalized attempt with the taker's and the correct options, in display order."""
    answers = answers_by_question(attempt)
    items = []
    for item in attempt.questions:
        answer = answers.get(item.question_id)
        display_of = {canonical: display for display, canonical in enumerate(item.option_order)}
        items.append(
            ReviewItem(
                question_id=item.question_id,
                position=item.position,
                type=item.type,
                stem=item.stem,
                options=[item.options[i] for i in item.option_order],
                selected=list(answer.selected) if answer else [],
                correct=sorted(display_of[c] for c in item.correct),
                is_correct=bool(answer and answer.is_correct),
                points=item.points,
                points_awarded=(answer.points_awarded or 0.0) if answer else 0.0,
                explanation=item.explanation,
                source=item.source,
            )
        )
    return items


@dataclass(frozen=True)
class QuizStatus:
    quiz: Quiz
    status: str
    attempts_used: int


def quiz_statuses(user: User, quizzes, now: datetime) -> list[QuizStatus]:
    """:func:`quiz_status` of each quiz, for lists (home page, API)."""
    return [QuizStatus(quiz, *quiz_status(user, quiz, now)) for quiz in quizzes]


def quiz_status(user: User, quiz: Quiz, now: datetime) -> tuple[str, int]:
    """(status, attempts used) of a quiz for one user.

    status: ``upcoming`` (not open yet), ``in_progress`` (an attempt to resume),
    ``open`` (may start one), ``exhausted`` (no attempts left, for now or for good),
    ``closed`` (window over).
    """
    allowance = attempt_allowance(user, quiz, now)
    current = in_progress_attempt(user, quiz)
    if current is not None and not current.is_overdue(now):
        return "in_progress", allowance.used_total
    if quiz.opens_at and now < quiz.opens_at:
        return "upcoming", allowance.used_total
    if quiz.closes_at and now >= quiz.closes_at:
        return "closed", allowance.used_total
    if allowance.reason == "attempts_exhausted":
        return "exhausted", allowance.used_total
    return "open", allowance.used_total
