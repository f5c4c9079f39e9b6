"""The ranking rules of get_standings(), on hand-built attempts with an explicit clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from quiz.extensions import db
from quiz.models import Attempt
from quiz.services.quizzes import RuleSpec
from quiz.boards.rankings import get_standings, participation_trend

from helpers import T0, minutes

NOW = T0 + timedelta(days=3)


@pytest.fixture
def quiz(build):
    """A 100-point contest (pass 60) open from T0 - 1 day to T0 + 10 days."""
    build.questions(10, type="single")
    return build.quiz(
        [RuleSpec(count=10, type="single", points=10)],
        pass_score=60,
        max_attempts=None,
        opens_at=T0 - timedelta(days=1),
        closes_at=T0 + timedelta(days=10),
    )


class Recorder:
    """Writes finished attempts straight into the table, as the attempt service would leave them."""

    def __init__(self):
        self.numbers: dict[tuple[int, int], int] = {}

    def __call__(self, user, quiz, score, *, seconds=300, at=T0, status="submitted", max_score=100.0):
        number = self.numbers.get((user.id, quiz.id), 0) + 1
        self.numbers[(user.id, quiz.id)] = number
        final = status != "in_progress"
        attempt = Attempt(
            user_id=user.id, quiz_id=quiz.id, number=number, status=status,
            started_at=at - timedelta(seconds=seconds), deadline_at=at + minutes(5),
            submitted_at=at if final else None, score=score if final else None, max_score=max_score,
            duration_seconds=seconds if final else None, passed=(score >= quiz.pass_score) if final else None,
            question_count=10, correct_count=int(score // 10) if final else None,
        )
        db.session.add(attempt)
        db.session.commit()
        return attempt


@pytest.fixture
def record():
    return Recorder()


def by_name(standings):
    return {row.unit: row for row in standings.units}


def user_order(standings):
    return [(row.display_name, row.rank) for row in standings.users]


# ---------------------------------------------------------------- the individual result


def test_best_attempt_is_highest_score_then_shortest_then_earliest(build, quiz, record):
    unit = build.unit("办公室")
    user = build.user(unit=unit, display_name="张三")
    record(user, quiz, 80, seconds=100, at=T0)
    record(user, quiz, 90, seconds=400, at=T0 + minutes(10))
    record(user, quiz, 90, seconds=200, at=T0 + minutes(20))  # same score, shorter: better
    record(user, quiz, 90, seconds=200, at=T0 + minutes(30))  # all equal but later: not better
    standings = get_standings(quiz, NOW, users=True)
    [row] = standings.users
    assert (row.best_score, row.duration_seconds, row.submitted_at) == (90, 200, T0 + minutes(20))
    assert row.rank == 1 and row.unit_rank == 1 and row.unit == "办公室" and row.passed
    assert standings.summary.attempts == 4 and standings.summary.participants == 1
    assert by_name(standings)["办公室"].participants == 1  # several attempts, one participant


def test_individual_ties_at_every_level(build, quiz, record):
    unit = build.unit("区图书馆")
    a, b, c, d, e = (build.user(unit=unit, display_name=name) for name in ["甲", "乙", "丙", "丁", "戊"])
    record(a, quiz, 90, seconds=300, at=T0 + minutes(5))
    record(b, quiz, 90, seconds=300, at=T0 + minutes(1))  # same score and time, earlier submit
    record(c, quiz, 90, seconds=200, at=T0 + minutes(9))  # same score, faster
    record(d, quiz, 95, seconds=900, at=T0 + minutes(9))  # higher score wins over speed
    record(e, quiz, 90, seconds=300, at=T0 + minutes(5))  # identical to 甲: shares its rank
    standings = get_standings(quiz, NOW, users=True)
    assert user_order(standings) == [("丁", 1), ("丙", 2), ("乙", 3), ("甲", 4), ("戊", 4)]
    assert [row.unit_rank for row in standings.users] == [1, 2, 3, 4, 4]


def test_expired_attempt_counts_and_in_progress_does_not(build, quiz, record):
    unit = build.unit()
    expired_user = build.user(unit=unit, display_name="超时")
    busy_user = build.user(unit=unit, display_name="答题中")
    record(expired_user, quiz, 70, seconds=600, status="expired")
    record(busy_user, quiz, 0, status="in_progress")
    standings = get_standings(quiz, NOW, users=True)
    assert user_order(standings) == [("超时", 1)]
    assert standings.users[0].best_score == 70
    assert by_name(standings)[unit.name].participants == 1


def test_only_attempts_inside_the_window_count(build, quiz, record):
    unit = build.unit()
    early = build.user(unit=unit, display_name="早")
    late = build.user(unit=unit, display_name="晚")
    edge = build.user(unit=unit, display_name="边界")
    record(early, quiz, 100, at=quiz.opens_at - timedelta(seconds=1))  # a trial run before opening
    record(early, quiz, 50, at=quiz.opens_at + minutes(1))
    record(late, quiz, 100, at=quiz.closes_at + timedelta(seconds=1))  # after closing: never counts
    record(edge, quiz, 80, at=quiz.closes_at)  # expiring at the close counts
    standings = get_standings(quiz, quiz.closes_at + timedelta(days=1), users=True)
    assert [(row.display_name, row.best_score) for row in standings.users] == [("边界", 80), ("早", 50)]
    assert standings.summary.attempts == 2


def test_other_quizzes_and_disabled_users_do_not_count(build, quiz, record):
    unit = build.unit(headcount=None)
    active = build.user(unit=unit, display_name="在职")
    gone = build.user(unit=unit, display_name="已停用")
    record(active, quiz, 60)
    record(gone, quiz, 100)
    other = build.quiz([RuleSpec(count=10, type="single", points=10)], max_attempts=None)
    record(active, other, 100)
    gone.is_enabled = False
    db.session.commit()
    standings = get_standings(quiz, NOW, users=True)
    assert user_order(standings) == [("在职", 1)]
    row = by_name(standings)[unit.name]
    assert (row.headcount, row.participants, row.average_score) == (1, 1, 60)


# ---------------------------------------------------------------- unit figures


def test_unit_figures_headcount_set_and_unset(build, quiz, record):
    staffed = build.unit("区博物馆", headcount=4)
    counted = build.unit("区文化馆", headcount=None)
    people = [build.user(unit=staffed) for _ in range(3)]
    members = [build.user(unit=counted) for _ in range(5)]
    build.user(unit=counted).is_enabled = False  # disabled: not in the headcount
    db.session.commit()
    for user, score in zip(people, [100, 60, 50]):
        record(user, quiz, score)
    record(members[0], quiz, 100)
    record(members[1], quiz, 59.5)
    standings = get_standings(quiz, NOW)
    museum, centre = by_name(standings)["区博物馆"], by_name(standings)["区文化馆"]
    assert (museum.headcount, museum.headcount_is_set, museum.participants) == (4, True, 3)
    assert museum.participation_rate == 0.75 and museum.average_score == 70
    assert museum.pass_rate == pytest.approx(2 / 3, abs=1e-4) and museum.full_marks == 1
    assert (centre.headcount, centre.headcount_is_set, centre.participants) == (5, False, 2)
    assert centre.participation_rate == 0.4 and centre.average_score == 79.75
    assert centre.pass_rate == 0.5 and centre.full_marks == 1
    summary = standings.summary
    assert (summary.headcount, summary.participants, summary.unit_participants) == (9, 5, 5)
    assert summary.participation_rate == pytest.approx(5 / 9, abs=1e-4)
    assert summary.average_score == pytest.approx((100 + 60 + 50 + 100 + 59.5) / 5, abs=0.01)
    assert summary.full_marks == 2 and summary.pass_rate == 0.6
    # below 60 %: 50 and 59.5; 60-70 %: 60; full marks: two
    assert summary.score_bands == [2, 1, 0, 0, 0, 2]


def test_participation_rate_is_capped_and_zero_headcount_is_safe(build, quiz, record):
    small = build.unit("小单位", headcount=1)
    empty = build.unit("零编制", headcount=0)
    for _ in range(2):
        record(build.user(unit=small), quiz, 80)
    standings = get_standings(quiz, NOW)
    assert by_name(standings)["小单位"].participation_rate == 1.0
    assert by_name(standings)["零编制"].participation_rate == 0.0 and empty.headcount == 0


def test_units_without_participants_are_listed_last_without_rank(build, quiz, record):
    build.unit("乙科室", headcount=3)
    build.unit("甲科室", headcount=None)  # no users at all: headcount 0
    active = build.unit("丙科室", headcount=3)
    record(build.user(unit=active), quiz, 10)  # even a low score ranks above no participation
    standings = get_standings(quiz, NOW)
    assert [(row.unit, row.rank) for row in standings.units] == [("丙科室", 1), ("乙科室", None), ("甲科室", None)]
    idle = by_name(standings)["甲科室"]
    assert (idle.headcount, idle.participants, idle.average_score, idle.pass_rate) == (0, 0, None, None)


def test_users_without_unit_rank_individually_only(build, quiz, record):
    loner = build.user("trainer1", role="trainer", display_name="无单位")
    record(loner, quiz, 100)
    standings = get_standings(quiz, NOW, users=True)
    assert user_order(standings) == [("无单位", 1)]
    assert standings.users[0].unit is None and standings.users[0].unit_rank is None
    assert standings.units == [] and standings.summary.participants == 1
    assert standings.summary.unit_participants == 0


# ---------------------------------------------------------------- unit ranking by metric


def _three_units(build, record, quiz):
    """甲: 2 of 2 at 70;  乙: 1 of 4 at 90;  丙: 2 of 4 at 90 and 70 (average 80)."""
    a = build.unit("甲", headcount=2)
    b = build.unit("乙", headcount=4)
    c = build.unit("丙", headcount=4)
    for score in (70, 70):
        record(build.user(unit=a), quiz, score)
    record(build.user(unit=b), quiz, 90)
    for score in (90, 70):
        record(build.user(unit=c), quiz, score)
    return a, b, c


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("average_score", ["乙", "丙", "甲"]),  # 90, 80, 70
        ("participation_rate", ["甲", "丙", "乙"]),  # 1.0, 0.5, 0.25
        ("composite", ["甲", "丙", "乙"]),  # 70, 40, 22.5
    ],
)
def test_unit_ranking_metrics(build, quiz, record, metric, expected):
    _three_units(build, record, quiz)
    quiz.ranking_metric = metric
    db.session.commit()
    standings = get_standings(quiz, NOW)
    assert standings.metric == metric
    assert [(row.unit, row.rank) for row in standings.units] == list(zip(expected, [1, 2, 3]))


def test_default_metric_is_average_score(build, quiz):
    assert quiz.ranking_metric == "average_score"
    assert get_standings(quiz, NOW).metric == "average_score"


def test_unit_ties_broken_by_rate_then_average_then_name(build, quiz, record):
    # Composite 40 for all four: 80 x 0.5 (乙, 丁, 甲) and 50 x 0.8 (丙).
    spec = {"甲": (2, [80]), "乙": (2, [80]), "丙": (5, [50, 50, 50, 50]), "丁": (4, [80, 80])}
    for name, (headcount, scores) in spec.items():
        unit = build.unit(name, headcount=headcount)
        for score in scores:
            record(build.user(unit=unit), quiz, score)
    quiz.ranking_metric = "composite"
    db.session.commit()
    standings = get_standings(quiz, NOW)
    assert [row.metric_value for row in standings.units] == [40, 40, 40, 40]
    # 丙 has the highest rate (0.8); 丁, 乙, 甲 tie on rate 0.5 and average 80: by name (code point order)
    assert [(row.unit, row.rank) for row in standings.units] == [("丙", 1), ("丁", 2), ("乙", 3), ("甲", 4)]
    assert sorted(["丁", "乙", "甲"]) == ["丁", "乙", "甲"]

    quiz.ranking_metric = "average_score"
    db.session.commit()
    # average: 80, 80, 80 tie (rate 0.5 each: name decides), then 丙 at 50
    assert [row.unit for row in get_standings(quiz, NOW).units] == ["丁", "乙", "甲", "丙"]


def test_average_tie_broken_by_rate(build, quiz, record):
    wide = build.unit("乙", headcount=2)
    narrow = build.unit("甲", headcount=10)
    for score in (80, 80):
        record(build.user(unit=wide), quiz, score)
    record(build.user(unit=narrow), quiz, 80)
    assert [row.unit for row in get_standings(quiz, NOW).units] == ["乙", "甲"]


# ---------------------------------------------------------------- trend


def test_daily_participation_trend(build, quiz, record):
    unit = build.unit(headcount=4)
    a, b, c = (build.user(unit=unit) for _ in range(3))
    day0 = quiz.opens_at  # 2026-06-09 10:00 Shanghai
    record(a, quiz, 50, at=day0 + minutes(1))
    record(a, quiz, 60, at=day0 + timedelta(days=1))
    record(b, quiz, 70, at=day0 + timedelta(days=1, hours=13, minutes=59))  # 23:59 local, still day 1
    record(c, quiz, 80, at=day0 + timedelta(days=1, hours=14, minutes=1))  # 00:01 local: day 2
    trend = participation_trend(quiz, day0 + timedelta(days=3), headcount=4)
    assert [d.day for d in trend] == [date(2026, 6, 9) + timedelta(days=i) for i in range(4)]
    assert [(d.attempts, d.active_users, d.new_participants, d.cumulative_participants) for d in trend] == [
        (1, 1, 1, 1), (2, 2, 1, 2), (1, 1, 1, 3), (0, 0, 0, 3),
    ]
    assert trend[-1].cumulative_rate == 0.75


def test_trend_without_window_starts_at_first_attempt(build, record):
    build.questions(10, type="single")
    open_quiz = build.quiz([RuleSpec(count=10, type="single", points=10)], max_attempts=None)
    assert participation_trend(open_quiz, NOW, headcount=0)[0].day == date(2026, 6, 13)
    record(build.user(), open_quiz, 50, at=T0)
    trend = participation_trend(open_quiz, NOW, headcount=0)
    assert trend[0].day == date(2026, 6, 10) and len(trend) == 4
    assert trend[-1].cumulative_rate == 0.0
