"""Contest standings: the unit board, the individual board and the participation trend.

Every figure is computed in the database with aggregate queries; Python only orders
the few hundred unit rows and shapes the results.  ``get_standings`` is the one place
where the ranking rules live; the web pages, the JSON API, the big-screen display and
the exports all show what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Interval, and_, case, func, literal_column, select, text, true
from sqlalchemy.dialects.postgresql import distinct_on

from ..database import dialect_name
from ..extensions import db
from ..models import FINAL_STATUSES, RANKING_METRICS, Attempt, Quiz, Unit, User
from ..errors import NotFound
from ..org.tree import UnitTree, load_tree
from ..services.clock import CAMPAIGN_TZ, now_utc
from ..services.quizzes import quiz_max_score

#: Lower bounds of the score bands of the distribution chart, in tenths of the attempt's
#: maximum score: below 60 %, 60-70 %, 70-80 %, 80-90 %, 90-100 %, full marks.
SCORE_BANDS = (6, 7, 8, 9, 10)
#: Longest trend shown (days); a longer window shows its last days.
MAX_TREND_DAYS = 92


@dataclass(slots=True)
class UnitStanding:
    rank: int | None  # None: no participant yet (listed at the bottom, never hidden)
    unit_id: int
    unit: str
    kind: str
    headcount: int
    headcount_is_set: bool
    participants: int
    participation_rate: float  # 0..1, capped at 1
    average_score: float | None
    pass_rate: float | None  # 0..1 of participants
    full_marks: int
    metric_value: float | None
    #: the unit above (None: top level); on roll-up rows, how many active units lie directly below.
    #: Defaults, so entries cached before the tree existed still decode.
    parent_id: int | None = None
    children: int = 0


@dataclass(slots=True)
class UserStanding:
    rank: int
    unit_rank: int | None
    user_id: int
    display_name: str
    unit_id: int | None
    unit: str | None
    best_score: float
    max_score: float
    duration_seconds: int
    submitted_at: datetime
    passed: bool


@dataclass(slots=True)
class Summary:
    units: int
    headcount: int
    participants: int  # in units and without a unit
    unit_participants: int
    participation_rate: float
    attempts: int
    average_score: float | None
    pass_rate: float | None
    full_marks: int
    #: participants per score band, lowest band first (see SCORE_BANDS)
    score_bands: list[int]


@dataclass(slots=True)
class Standings:
    quiz_id: int
    metric: str
    updated_at: datetime
    max_score: float
    pass_score: float
    units: list[UnitStanding]
    summary: Summary | None
    #: None unless asked for (the unit board does not need 30,000 rows)
    users: list[UserStanding] | None = None
    #: every unit (retired ones too) with the figures of its whole subtree, unranked: what
    #: ``child_standings`` ranks.  None in entries cached before the tree existed.
    rollup: list[UnitStanding] | None = None
    #: ids of retired units (left out of every list; their people count in their ancestors)
    retired: list[int] = field(default_factory=list)
    _by_user: dict[int, UserStanding] = field(default_factory=dict, repr=False)
    _by_unit: dict[int, list[UserStanding]] = field(default_factory=dict, repr=False)
    _rolled: dict[int, UnitStanding] = field(default_factory=dict, repr=False)
    _levels: dict[int | None, list[UnitStanding]] = field(default_factory=dict, repr=False)

    def index(self) -> Standings:
        """Build the look-ups by user and by unit (once, when the standings are cached)."""
        self._by_user = {}
        self._by_unit = {}
        for row in self.users or []:
            self._by_user[row.user_id] = row
            if row.unit_id is not None:
                self._by_unit.setdefault(row.unit_id, []).append(row)
        self._rolled = {row.unit_id: row for row in self.rollup or []}
        self._levels = {}
        return self

    def user(self, user_id: int) -> UserStanding | None:
        return self._by_user.get(user_id)

    def unit_users(self, unit_id: int) -> list[UserStanding]:
        return self._by_unit.get(unit_id, [])

    def unit(self, unit_id: int) -> UnitStanding | None:
        return next((row for row in self.units if row.unit_id == unit_id), None)

    def rolled(self, unit_id: int) -> UnitStanding | None:
        """The unit with its whole subtree's figures (retired units too), None when unknown."""
        return self._rolled.get(unit_id)

    def path(self, unit_id: int) -> list[UnitStanding]:
        """The roll-up rows from the top-level unit down to ``unit_id`` (for a breadcrumb)."""
        chain, seen = [], set()
        row = self._rolled.get(unit_id)
        while row is not None and row.unit_id not in seen:
            chain.append(row)
            seen.add(row.unit_id)
            row = self._rolled.get(row.parent_id) if row.parent_id is not None else None
        return chain[::-1]

    def subtree_unit_ids(self, unit_id: int) -> set[int]:
        """The units of ``unit_id``'s subtree (the unit itself included)."""
        below: dict[int | None, list[int]] = {}
        for row in self.rollup or []:
            below.setdefault(row.parent_id, []).append(row.unit_id)
        result, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current not in result:
                result.add(current)
                stack.extend(below.get(current, []))
        return result


@dataclass(slots=True)
class TrendDay:
    day: date
    attempts: int
    active_users: int  # distinct users who finished an attempt that day
    new_participants: int  # users whose first finished attempt was that day
    cumulative_participants: int
    cumulative_rate: float  # of the total headcount


def _counted_attempts(quiz: Quiz) -> list:
    """Conditions for an attempt that counts: finalized, scored, submitted inside the quiz window."""
    conditions = [
        Attempt.quiz_id == quiz.id,
        Attempt.status.in_(FINAL_STATUSES),
        Attempt.score.is_not(None),
        Attempt.submitted_at.is_not(None),
    ]
    if quiz.opens_at is not None:
        conditions.append(Attempt.submitted_at >= quiz.opens_at)
    if quiz.closes_at is not None:
        conditions.append(Attempt.submitted_at <= quiz.closes_at)
    return conditions


def best_attempts(quiz: Quiz):
    """One row per enabled user with a counted attempt: their best (the contest result), by the
    best-attempt rule (attempts.best_attempt_order): score, then duration, then submission."""
    order = (Attempt.score.desc(), Attempt.duration_seconds.asc(), Attempt.submitted_at.asc())
    columns = (Attempt.user_id, Attempt.score, Attempt.max_score, Attempt.duration_seconds, Attempt.submitted_at)
    if dialect_name() == "postgresql":
        # DISTINCT ON keeps each user's first row in the rule's order: the same pick as
        # row_number() = 1, read straight off ix_attempt_board, and estimated well by the planner
        # (a hash aggregate after it instead of a sort spilling to disk).  On 250,000 attempts the
        # unit board's query took 190 ms instead of 290 ms (bench/boards.py --tree).
        ordered = (
            select(*columns).where(*_counted_attempts(quiz))
            .ext(distinct_on(Attempt.user_id)).order_by(Attempt.user_id, *order)
            .subquery("ordered")
        )
        picked = true()
    else:
        ordered = (
            select(*columns, func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("pick"))
            .where(*_counted_attempts(quiz))
            .subquery("ordered")
        )
        picked = ordered.c.pick == 1
    return (
        select(
            ordered.c.user_id,
            ordered.c.score,
            ordered.c.max_score,
            ordered.c.duration_seconds,
            ordered.c.submitted_at,
            User.unit_id,
        )
        .join(User, User.id == ordered.c.user_id)
        .where(picked, User.is_enabled.is_(True))
        .subquery("best")
    )


def capped_ratio(part: int, whole: int) -> float:
    """part / whole capped at 1 (0 when whole is 0): the participation rate rule."""
    return min(1.0, part / whole) if whole else 0.0


def metric_value(metric: str, average: float | None, rate: float) -> float | None:
    """The value a unit is ranked by under ``metric`` (None: no participant)."""
    if average is None:
        return None
    if metric == "participation_rate":
        return rate
    if metric == "composite":
        return round(average * rate, 4)
    return average


def get_standings(quiz: Quiz, now: datetime, *, units: bool = True, users: bool = False) -> Standings:
    """The contest standings of ``quiz`` as of ``now``: the unit board and, if asked, the individual board.

    Rules (the README, the UI, the API and the exports say the same):

    * An attempt counts when it is finalized (``submitted``, or ``expired`` with the
      answers saved before its deadline) and its ``submitted_at`` lies inside the
      quiz's window (``opens_at <= submitted_at <= closes_at``, open ends unbounded).
      Disabled users do not appear.
    * An employee's result is their best counted attempt: highest score, then shortest
      duration, then earliest submission.
    * Individual board: results ordered the same way; users whose score, duration and
      submission time are all equal share a rank (1, 1, 3); within a unit the same
      rule gives ``unit_rank``.
    * Unit figures: headcount is the unit's 编制人数, or when unset the number of its
      enabled users; participants are its users with a result; participation rate is
      participants / headcount (capped at 100 %); average score, pass rate (score >=
      the quiz's pass score) and full-marks count are over participants' results.
    * Units are ranked by the quiz's ``ranking_metric``: ``average_score`` (default),
      ``participation_rate`` or ``composite`` (average score x participation rate);
      ties are broken by participation rate, then average score, then unit name, so
      every participating unit has its own rank.  Units without participants come last
      (by name) with no rank, never hidden.
    * Unit tree: the flat board lists every active unit with its own figures; ``rollup``
      holds every unit with its whole subtree's figures (``roll_up``) and
      ``child_standings`` ranks any unit's direct children by the same rule.  Retired
      units are left out of every list; their people still count in the summary and in
      their ancestors.

    Each board is one aggregate query over the best-attempt window (the covering index
    ``ix_attempt_board`` feeds it in order); the unit board is cheap to compute
    (``users=False``) and the 30,000-row individual list is only fetched when asked.
    """
    metric = quiz.ranking_metric if quiz.ranking_metric in RANKING_METRICS else "average_score"
    best = best_attempts(quiz)
    standings = Standings(
        quiz_id=quiz.id, metric=metric, updated_at=now, max_score=quiz_max_score(quiz),
        pass_score=quiz.pass_score, units=[], summary=None,
    )
    if units:
        standings.units, standings.summary, standings.rollup, standings.retired = _unit_board(quiz, best, metric)
        standings.index()
    if users:
        standings.users = _individuals(best, quiz)
        standings.index()
    return standings


def _unit_board(quiz: Quiz, best, metric: str) -> tuple[list[UnitStanding], Summary, list[UnitStanding], list[int]]:
    passed = case((best.c.score >= quiz.pass_score, 1), else_=0)
    full = case((and_(best.c.max_score > 0, best.c.score >= best.c.max_score), 1), else_=0)
    # Bands compared in tenths (score x 10 >= max x 6) so that no float rounding moves a result.
    band = case(
        *[(best.c.score * 10 >= best.c.max_score * tenths, index + 1)
          for index, tenths in reversed(list(enumerate(SCORE_BANDS)))],
        else_=0,
    )
    band_sums = [func.sum(case((band == index, 1), else_=0)) for index in range(len(SCORE_BANDS) + 1)]
    # One pass over the best attempts, grouped by unit (NULL: users without a unit).
    groups = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(best.c.unit_id, func.count(), func.sum(best.c.score), func.sum(passed), func.sum(full), *band_sums)
            .group_by(best.c.unit_id)
        )
    }
    tree = load_tree()
    own = {}  # unit id -> (headcount, headcount is set, participants, score sum, passed, full marks)
    rows = []
    for unit_id, name, kind, headcount, headcount_is_set in unit_headcounts():
        participants, score_sum, passed_count, full_count = (groups.get(unit_id) or (0, 0.0, 0, 0))[:4]
        own[unit_id] = (headcount, headcount_is_set, participants, score_sum, passed_count, full_count)
        node = tree.units.get(unit_id)
        if node is not None and node.retired:
            continue  # left out of the list; its people still count in the summary and its ancestors
        rows.append(_unit_row(metric, unit_id, name, kind, own[unit_id],
                              parent_id=node.parent_id if node is not None else None))

    totals = [sum(values) for values in zip(*groups.values())] or [0] * (4 + len(SCORE_BANDS) + 1)
    participants, score_sum, passed_count, full_count = totals[:4]
    headcount = sum(figures[0] for figures in own.values())
    unit_participants = sum(figures[2] for figures in own.values())
    attempts = db.session.scalar(select(func.count()).select_from(Attempt).where(*_counted_attempts(quiz)))
    summary = Summary(
        units=len(rows),
        headcount=headcount,
        participants=participants,
        unit_participants=unit_participants,
        participation_rate=round(capped_ratio(unit_participants, headcount), 4),
        attempts=attempts,
        average_score=round(score_sum / participants, 2) if participants else None,
        pass_rate=round(passed_count / participants, 4) if participants else None,
        full_marks=full_count,
        score_bands=list(totals[4:]),
    )
    return rank_units(rows), summary, roll_up(tree, own, metric), sorted(u.id for u in tree.units.values() if u.retired)


def _unit_row(metric: str, unit_id: int, name: str, kind: str, figures: tuple, *, parent_id: int | None = None,
              children: int = 0) -> UnitStanding:
    """A board row from a unit's (or subtree's) summed figures: rates and the average recomputed from the sums."""
    headcount, headcount_is_set, participants, score_sum, passed_count, full_count = figures
    rate = round(capped_ratio(participants, headcount), 4)
    average = round(score_sum / participants, 2) if participants else None
    return UnitStanding(
        rank=None,
        unit_id=unit_id,
        unit=name,
        kind=kind,
        headcount=headcount,
        headcount_is_set=headcount_is_set,
        participants=participants,
        participation_rate=rate,
        average_score=average,
        pass_rate=round(passed_count / participants, 4) if participants else None,
        full_marks=full_count,
        metric_value=metric_value(metric, average, rate),
        parent_id=parent_id,
        children=children,
    )


def roll_up(tree: UnitTree, own: dict[int, tuple], metric: str) -> list[UnitStanding]:
    """The roll-up rule: a unit's figures cover its whole subtree.  编制人数 and participant, score,
    pass and full-marks counts are summed over the subtree (each person belongs to one unit, so
    summed distinct counts count everyone once); the average, pass rate and participation rate are
    recomputed from the sums, never averaged.  Retired units are summed into their ancestors too."""
    sums = {unit_id: list(own.get(unit_id, (0, True, 0, 0.0, 0, 0))) for unit_id in tree.units}
    # Top down from the roots (a cycle, which the move rule forbids, is never reached), then each
    # unit's sums added to its parent's from the deepest up: every unit is visited once.
    order, position = list(tree.children.get(None, [])), 0
    while position < len(order):
        order.extend(tree.children.get(order[position], []))
        position += 1
    units = tree.units
    for unit_id in reversed(order):
        parent_id = units[unit_id].parent_id
        if parent_id in sums:
            total, figures = sums[parent_id], sums[unit_id]
            total[0] += figures[0]
            total[1] = total[1] and figures[1]
            total[2] += figures[2]
            total[3] += figures[3]
            total[4] += figures[4]
            total[5] += figures[5]
    result = []
    for unit_id, node in units.items():
        parent_id = node.parent_id if node.parent_id in units else None
        active_children = sum(1 for child in tree.children.get(unit_id, ()) if not units[child].retired)
        result.append(_unit_row(metric, unit_id, node.name, node.kind, tuple(sums[unit_id]),
                                parent_id=parent_id, children=active_children))
    return result


def with_rollup(standings_or_quiz: Standings | Quiz, now: datetime | None = None) -> Standings:
    """Standings that carry the roll-up: these, or computed afresh for a Quiz or for an entry
    cached before the unit tree existed (it has none)."""
    standings = standings_or_quiz
    if not isinstance(standings, Standings):
        return get_standings(standings_or_quiz, now or now_utc())
    if standings.rollup is None:
        return get_standings(db.session.get(Quiz, standings.quiz_id), now or now_utc())
    return standings


def child_standings(standings_or_quiz: Standings | Quiz, parent_id: int | None,
                    now: datetime | None = None) -> list[UnitStanding]:
    """The direct children of ``parent_id`` (None: the top-level units), each with its subtree's
    figures, ranked by the one unit ranking rule (``rank_units``); retired units are left out.
    Given a Quiz, its standings are computed first (as of ``now``).  Raises NotFound for an
    unknown parent."""
    standings = with_rollup(standings_or_quiz, now)
    if parent_id is not None and standings.rolled(parent_id) is None:
        raise NotFound("单位不存在", code="unit_not_found")
    known = standings._levels.get(parent_id)
    if known is None:
        retired = set(standings.retired)
        known = rank_units([replace(row) for row in standings.rollup
                            if row.parent_id == parent_id and row.unit_id not in retired])
        standings._levels[parent_id] = known
    return known


def unit_headcounts() -> list[tuple[int, str, str, int, bool]]:
    """(unit id, name, kind, headcount, headcount is set) of every unit: the 编制人数, or when
    unset the number of its enabled users."""
    members = (
        select(User.unit_id, func.count(User.id).label("members"))
        .where(User.is_enabled.is_(True), User.unit_id.in_(select(Unit.id).where(Unit.headcount.is_(None))))
        .group_by(User.unit_id)
        .subquery("members")
    )
    unit_rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.kind, Unit.headcount, func.coalesce(members.c.members, 0))
        .outerjoin(members, members.c.unit_id == Unit.id)
    ).all()
    return [(unit_id, name, kind, set_headcount if set_headcount is not None else member_count, set_headcount is not None)
            for unit_id, name, kind, set_headcount, member_count in unit_rows]


def rank_units(rows: list[UnitStanding]) -> list[UnitStanding]:
    """The unit ranking rule: by ``metric_value``, then participation rate, then average score, then
    name, each participating unit its own rank; units without participants last, by name, unranked."""
    ranked = sorted(
        (row for row in rows if row.participants),
        key=lambda row: (-row.metric_value, -row.participation_rate, -row.average_score, row.unit),
    )
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    unranked = sorted((row for row in rows if not row.participants), key=lambda row: row.unit)
    return ranked + unranked


def _individuals(best, quiz: Quiz) -> list[UserStanding]:
    order = (best.c.score.desc(), best.c.duration_seconds.asc(), best.c.submitted_at.asc())
    rows = db.session.execute(
        select(
            func.rank().over(order_by=order),
            best.c.user_id,
            User.display_name,
            best.c.unit_id,
            Unit.name,
            best.c.score,
            best.c.max_score,
            best.c.duration_seconds,
            best.c.submitted_at,
        )
        .join(User, User.id == best.c.user_id)
        .outerjoin(Unit, Unit.id == best.c.unit_id)
        .order_by(*order, best.c.user_id)
    ).all()
    pass_score = quiz.pass_score
    result = []
    # Rank within the unit: the rows arrive in board order, so each unit's rows are too.
    last_in_unit: dict[int, tuple[int, tuple, int]] = {}  # unit -> (count so far, key, rank)
    for rank, user_id, display_name, unit_id, unit_name, score, max_score, duration, submitted_at in rows:
        unit_rank = None
        if unit_id is not None:
            key = (score, duration, submitted_at)
            count, last_key, last_rank = last_in_unit.get(unit_id, (0, None, 0))
            unit_rank = last_rank if key == last_key else count + 1
            last_in_unit[unit_id] = (count + 1, key, unit_rank)
        result.append(
            UserStanding(
                rank=rank,
                unit_rank=unit_rank,
                user_id=user_id,
                display_name=display_name,
                unit_id=unit_id,
                unit=unit_name,
                best_score=score,
                max_score=max_score,
                duration_seconds=duration,
                submitted_at=submitted_at,
                passed=score >= pass_score,
            )
        )
    return result


def _local_day(column, offset_seconds: int):
    """The calendar day (YYYY-MM-DD) of a naive-UTC timestamp in the campaign's time zone."""
    if dialect_name() == "postgresql":
        shifted = column + literal_column(f"interval '{int(offset_seconds)} seconds'", Interval)
        return func.to_char(shifted, "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, f"{int(offset_seconds):+d} seconds")


def participation_trend(quiz: Quiz, now: datetime, headcount: int) -> list[TrendDay]:
    """Per day of the quiz window (up to today): attempts, active users, new and cumulative participants.

    Days are calendar days in the campaign's time zone (a fixed offset: Asia/Shanghai
    has no daylight saving time).
    """
    offset = int(now.astimezone(CAMPAIGN_TZ).utcoffset().total_seconds())
    counted = _counted_attempts(quiz)
    enabled = and_(User.id == Attempt.user_id, User.is_enabled.is_(True))
    day = _local_day(Attempt.submitted_at, offset).label("day")
    daily = {
        row.day: row
        for row in db.session.execute(
            select(day, func.count().label("attempts"), func.count(Attempt.user_id.distinct()).label("users"))
            .join(User, enabled)
            .where(*counted)
            .group_by(text("day"))
        )
    }
    first = (
        select(func.min(Attempt.submitted_at).label("first_at"))
        .join(User, enabled)
        .where(*counted)
        .group_by(Attempt.user_id)
        .subquery("first")
    )
    first_day = _local_day(first.c.first_at, offset).label("day")
    newcomers = dict(db.session.execute(select(first_day, func.count()).group_by(text("day"))).all())

    today = now.astimezone(CAMPAIGN_TZ).date()
    start = quiz.opens_at.astimezone(CAMPAIGN_TZ).date() if quiz.opens_at else None
    if start is None:
        known = [date.fromisoformat(d) for d in daily]
        start = min(known) if known else today
    end = today
    if quiz.closes_at is not None:
        end = min(end, quiz.closes_at.astimezone(CAMPAIGN_TZ).date())
    if end < start:
        end = start
    if (end - start).days >= MAX_TREND_DAYS:
        start = end - timedelta(days=MAX_TREND_DAYS - 1)
    earlier = sum(count for d, count in newcomers.items() if date.fromisoformat(d) < start)

    days, cumulative = [], earlier
    current = start
    while current <= end:
        key = current.isoformat()
        row = daily.get(key)
        new = newcomers.get(key, 0)
        cumulative += new
        days.append(
            TrendDay(
                day=current,
                attempts=row.attempts if row else 0,
                active_users=row.users if row else 0,
                new_participants=new,
                cumulative_participants=cumulative,
                cumulative_rate=round(capped_ratio(cumulative, headcount), 4),
            )
        )
        current += timedelta(days=1)
    return days
