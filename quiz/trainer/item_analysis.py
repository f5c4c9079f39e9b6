"""Item analysis of a quiz's finalized attempts, per question.

* Facility index P: the share of attempts that had the question and answered it fully
  correctly (a blank counts as wrong, as in Moodle's facility index).
* "难度过大" is judged on the attempts that answered the question: a question left blank
  by takers who ran out of time is not thereby too hard, and one nobody answered gets no
  difficulty verdict at all (it is listed as 无人作答 instead).
* Discrimination index D = P(upper) - P(lower): attempts are ranked by their score
  (as a share of their maximum, ties broken by attempt id); the upper and lower groups
  are the top and bottom 27 % (at least one attempt each).  With random draws not every
  attempt has every question, so each P is taken over the group's attempts that had it.
* Option distribution: how often each option was chosen, and how many left it blank.

Questions whose answered takers got it right less than 20 % of the time, or with D < 0, are
flagged for review.  Totals come from one SQL
GROUP BY; the groups and the distributions are computed in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..models import FINAL_STATUSES, Answer, Attempt, AttemptQuestion, Question, Quiz

GROUP_SHARE = 0.27
LOW_FACILITY = 0.2


@dataclass
class ItemStats:
    question_id: int
    type: str
    stem: str
    options: list[str]
    correct: list[int]
    #: attempts that had the question, answered it (chose at least one option), and answered it fully correctly
    attempts: int
    answered: int
    correct_count: int
    facility: float
    discrimination: float | None
    upper_count: int
    lower_count: int
    #: times each option (canonical order) was chosen
    option_counts: list[int] = field(default_factory=list)
    unanswered: int = 0

    @property
    def answered_facility(self) -> float | None:
        """The share right among the attempts that answered the question; None if none did."""
        return self.correct_count / self.answered if self.answered else None

    @property
    def nobody_answered(self) -> bool:
        return self.attempts > 0 and self.answered == 0

    @property
    def flags(self) -> list[str]:
        reasons = []
        if self.answered_facility is not None and self.answered_facility < LOW_FACILITY:
            reasons.append("难度过大（作答者答对率低于 20%）")
        if self.discrimination is not None and self.discrimination < 0:
            reasons.append("区分度为负（低分组答对率高于高分组）")
        return reasons

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    def option_share(self, index: int) -> float:
        return self.option_counts[index] / self.attempts if self.attempts else 0.0


@dataclass
class ItemAnalysis:
    attempt_count: int
    group_size: int
    items: list[ItemStats]

    @property
    def flagged(self) -> list[ItemStats]:
        return [item for item in self.items if item.needs_review]


def group_size(attempt_count: int) -> int:
    """Size of the upper and lower groups: 27 % of the attempts, rounded, at least 1 (0 below 2 attempts)."""
    if attempt_count < 2:
        return 0
    return max(1, round(attempt_count * GROUP_SHARE))


def _ranked_attempt_ids(quiz: Quiz) -> list[int]:
    rows = db.session.execute(
        select(Attempt.id, Attempt.score, Attempt.max_score)
        .where(Attempt.quiz_id == quiz.id, Attempt.status.in_(FINAL_STATUSES))
    ).all()
    ratio = {row.id: (row.score or 0) / row.max_score if row.max_score else 0.0 for row in rows}
    return sorted(ratio, key=lambda attempt_id: (-ratio[attempt_id], attempt_id))


def analyze_quiz(quiz: Quiz) -> ItemAnalysis:
    ranked = _ranked_attempt_ids(quiz)
    size = group_size(len(ranked))
    upper = set(ranked[:size])
    lower = set(ranked[len(ranked) - size:]) if size else set()

    answer_join = and_(Answer.attempt_id == AttemptQuestion.attempt_id, Answer.question_id == AttemptQuestion.question_id)
    final = and_(Attempt.quiz_id == quiz.id, Attempt.status.in_(FINAL_STATUSES))
    totals = db.session.execute(
        select(
            AttemptQuestion.question_id,
            func.count(AttemptQuestion.id),
            func.count(Answer.id),
            func.sum(case((Answer.is_correct.is_(True), 1), else_=0)),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .outerjoin(Answer, answer_join)
        .where(final)
        .group_by(AttemptQuestion.question_id)
    ).all()
    if not totals:
        return ItemAnalysis(len(ranked), size, [])

    details = db.session.execute(
        select(
            AttemptQuestion.attempt_id,
            AttemptQuestion.question_id,
            AttemptQuestion.option_order,
            Answer.selected,
            Answer.is_correct,
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .outerjoin(Answer, answer_join)
        .where(final)
    ).all()
    # the options as they were last drawn (the bank copy may have been edited since)
    snapshots = {
        row.question_id: row
        for row in db.session.execute(
            select(AttemptQuestion.question_id, AttemptQuestion.type, AttemptQuestion.stem,
                   AttemptQuestion.options, AttemptQuestion.correct)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(final)
            .order_by(AttemptQuestion.id)
        )
    }
    groups: dict[int, dict[str, list[int]]] = {}
    choices: dict[int, list[int]] = {}
    blanks: dict[int, int] = {}
    for row in details:
        snapshot = snapshots[row.question_id]
        counts = choices.setdefault(row.question_id, [0] * len(snapshot.options))
        if row.selected:
            for display in row.selected:
                canonical = row.option_order[display] if display < len(row.option_order) else None
                if canonical is not None and canonical < len(counts):
                    counts[canonical] += 1
        else:
            blanks[row.question_id] = blanks.get(row.question_id, 0) + 1
        tally = groups.setdefault(row.question_id, {"upper": [0, 0], "lower": [0, 0]})
        for name, members in (("upper", upper), ("lower", lower)):
            if row.attempt_id in members:
                tally[name][0] += 1
                tally[name][1] += int(bool(row.is_correct))

    items = []
    for question_id, attempts, answered, correct in totals:
        snapshot = snapshots[question_id]
        tally = groups[question_id]
        (upper_n, upper_correct), (lower_n, lower_correct) = tally["upper"], tally["lower"]
        discrimination = None
        if upper_n and lower_n:
            discrimination = upper_correct / upper_n - lower_correct / lower_n
        items.append(
            ItemStats(
                question_id=question_id,
                type=snapshot.type,
                stem=snapshot.stem,
                options=list(snapshot.options),
                correct=list(snapshot.correct),
                attempts=attempts,
                # an answer row with no option chosen (a cleared multiple choice) is a blank
                answered=attempts - blanks.get(question_id, 0),
                correct_count=int(correct or 0),
                facility=(correct or 0) / attempts,
                discrimination=discrimination,
                upper_count=upper_n,
                lower_count=lower_n,
                option_counts=choices[question_id],
                unanswered=blanks.get(question_id, 0),
            )
        )
    items.sort(key=lambda item: (not item.needs_review, item.facility, item.question_id))
    return ItemAnalysis(len(ranked), size, items)


def current_questions(analysis: ItemAnalysis) -> dict[int, Question]:
    """The bank's questions behind the items (for links and their active state)."""
    ids = [item.question_id for item in analysis.items]
    return {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))} if ids else {}
