"""The campaign board (per unit, over all of a campaign's quizzes) and the 活动总结 comparison.

Figures come from the boards' own rules (quiz/boards/rankings.py): each quiz's counted best
attempts (``best_attempts``), unit headcounts (``unit_headcounts``), the capped participation
rate and the unit ranking rule (``rank_units``).  Only the campaign's own measure is defined
here: :func:`person_scores`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, select, union_all

from ..boards.rankings import UnitStanding, best_attempts, capped_ratio, metric_value, rank_units, unit_headcounts
from ..extensions import db
from ..models import Campaign, Quiz, Unit
from .services import campaign_quizzes

#: the campaign board ranks units by their average score (then participation, then name)
CAMPAIGN_METRIC = "average_score"


@dataclass(slots=True)
class CampaignTotals:
    units: int
    active_units: int
    headcount: int
    participants: int  # in units and without a unit
    unit_participants: int
    participation_rate: float
    average_score: float | None


@dataclass(slots=True)
class CampaignBoard:
    campaign_id: int
    updated_at: datetime
    quiz_ids: list[int]
    #: UnitStanding rows; average_score is in % (0-100), pass_rate and full_marks are unused
    units: list[UnitStanding]
    totals: CampaignTotals

    def unit(self, unit_id: int) -> UnitStanding | None:
        return next((row for row in self.units if row.unit_id == unit_id), None)


def person_scores(quizzes: list[Quiz]):
    """The campaign score of each person who finished at least one of ``quizzes``: for every quiz
    they finished, their best counted attempt (the boards' best-attempt rule) as a percentage of
    its maximum score, averaged over those quizzes (a quiz they skipped does not pull it down).

    A subquery with one row per person: ``user_id``, ``unit_id``, ``score`` (0-100), ``quizzes``.
    """
    parts = []
    for quiz in quizzes:
        best = best_attempts(quiz)
        percent = case((best.c.max_score > 0, best.c.score * 100.0 / best.c.max_score), else_=literal(0.0))
        parts.append(select(best.c.user_id, best.c.unit_id, percent.label("percent")))
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("per_quiz")
    return (
        select(rows.c.user_id, rows.c.unit_id, func.avg(rows.c.percent).label("score"), func.count().label("quizzes"))
        .group_by(rows.c.user_id, rows.c.unit_id)
        .subquery("people")
    )


def campaign_board(campaign: Campaign, now: datetime) -> CampaignBoard:
    """Per unit: participants (people with a result in at least one of the campaign's quizzes),
    participation rate against the headcount, and the average of their campaign scores
    (:func:`person_scores`); ranked by the boards' unit ranking rule on that average."""
    quizzes = campaign_quizzes(campaign)
    groups: dict[int | None, tuple[int, float]] = {}
    if quizzes:
        people = person_scores(quizzes)
        groups = {unit_id: (count, total or 0.0) for unit_id, count, total in db.session.execute(
            select(people.c.unit_id, func.count(), func.sum(people.c.score)).group_by(people.c.unit_id))}
    rows = []
    for unit_id, name, kind, headcount, headcount_is_set in unit_headcounts():
        participants, total = groups.get(unit_id, (0, 0.0))
        rate = round(capped_ratio(participants, headcount), 4)
        average = round(total / participants, 2) if participants else None
        rows.append(UnitStanding(
            rank=None, unit_id=unit_id, unit=name, kind=kind, headcount=headcount, headcount_is_set=headcount_is_set,
            participants=participants, participation_rate=rate, average_score=average, pass_rate=None,
            full_marks=0, metric_value=metric_value(CAMPAIGN_METRIC, average, rate),
        ))
    ranked = rank_units(rows)
    everyone = sum(count for count, _ in groups.values())
    score_sum = sum(total for _, total in groups.values())
    headcount = sum(row.headcount for row in rows)
    unit_participants = sum(row.participants for row in rows)
    totals = CampaignTotals(
        units=len(rows), active_units=sum(1 for row in rows if row.participants), headcount=headcount,
        participants=everyone, unit_participants=unit_participants,
        participation_rate=round(capped_ratio(unit_participants, headcount), 4),
        average_score=round(score_sum / everyone, 2) if everyone else None,
    )
    return CampaignBoard(campaign_id=campaign.id, updated_at=now, quiz_ids=[q.id for q in quizzes],
                         units=ranked, totals=totals)


# ---------------------------------------------------------------- 活动总结: this campaign against the previous one


@dataclass(slots=True)
class UnitComparison:
    unit_id: int
    unit: str
    rank: int | None
    headcount: int
    participants: int
    participation_rate: float
    average_score: float | None
    previous_participants: int | None  # None: no previous campaign, or the unit is new this year
    previous_rate: float | None
    previous_average: float | None
    #: changes in percentage points (None when either side has no figure)
    rate_change: float | None
    average_change: float | None
    is_new: bool


@dataclass(slots=True)
class CampaignSummary:
    campaign: Campaign
    previous: Campaign | None
    board: CampaignBoard
    previous_board: CampaignBoard | None
    units: list[UnitComparison]
    rate_change: float | None
    average_change: float | None


def change_points(now: float | None, before: float | None, *, ratio: bool) -> float | None:
    """The change in percentage points (a ratio 0-1 is scaled to %); None when either is missing."""
    if now is None or before is None:
        return None
    return round((now - before) * (100 if ratio else 1), 1)


def unit_is_new(unit_created_at: datetime | None, previous: Campaign) -> bool:
    """A unit is new this year when it was created after the previous campaign ended."""
    if unit_created_at is None:
        return False
    return unit_created_at.date() > previous.ends_on


def campaign_summary(campaign: Campaign, previous: Campaign | None, now: datetime) -> CampaignSummary:
    """This campaign's board beside the previous campaign's, unit by unit, with the changes."""
    board = campaign_board(campaign, now)
    previous_board = campaign_board(previous, now) if previous is not None else None
    created = dict(db.session.execute(select(Unit.id, Unit.created_at)).all())
    units = []
    for row in board.units:
        before = previous_board.unit(row.unit_id) if previous_board else None
        is_new = previous is not None and unit_is_new(created.get(row.unit_id), previous)
        if is_new:
            before = None
        units.append(UnitComparison(
            unit_id=row.unit_id, unit=row.unit, rank=row.rank, headcount=row.headcount, participants=row.participants,
            participation_rate=row.participation_rate, average_score=row.average_score,
            previous_participants=before.participants if before else None,
            previous_rate=before.participation_rate if before else None,
            previous_average=before.average_score if before else None,
            rate_change=change_points(row.participation_rate, before.participation_rate if before else None, ratio=True),
            average_change=change_points(row.average_score, before.average_score if before else None, ratio=False),
            is_new=is_new,
        ))
    totals, old = board.totals, previous_board.totals if previous_board else None
    return CampaignSummary(
        campaign=campaign, previous=previous, board=board, previous_board=previous_board, units=units,
        rate_change=change_points(totals.participation_rate, old.participation_rate if old else None, ratio=True),
        average_change=change_points(totals.average_score, old.average_score if old else None, ratio=False),
    )
