"""Who has taken part: the 未参与名单 of a subtree and the per-unit counts of the reminder page.

A *target* is a contest quiz, a 闯关 series or a course (学习资料).  The finishing rule: a quiz
is finished with a finalized attempt (submitted or expired); a series with every level
passed; a course with its 学时 credited (a CourseCompletion).  Started means any attempt (for
a course: any studied item).  The people counted are the enabled accounts of the units asked
for (for a course: those of its audience, quiz.learning.services.in_audience).  Nothing here writes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from ..downloads import safe_filename
from ..errors import NotFound
from ..extensions import db
from ..learning.services import in_audience
from ..models import Attempt, LevelSeries, Quiz, User
from ..models.learning import Course, CourseCompletion, CourseItem, CourseProgress
from ..models.attempts import FINAL_STATUSES
from ..services.exports import table_to_xlsx
from ..services.quizzes import get_quiz
from .tree import UnitTree

NOT_STARTED, UNFINISHED, FINISHED = "not_started", "unfinished", "finished"
STATE_LABELS = {NOT_STARTED: "未开始", UNFINISHED: "未完成", FINISHED: "已完成"}
EXPORT_HEADERS = ["用户名", "姓名", "单位", "联系电话", "状态"]


@dataclass(frozen=True)
class Target:
    """What people should finish: a quiz, or a series (its level quizzes)."""

    kind: str  # "quiz" | "series" | "course"
    id: int
    title: str
    quiz_ids: tuple[int, ...] = ()
    #: a course target: the course, whose audience alone is counted
    course: Course | None = None

    @property
    def label(self) -> str:
        return f"{KIND_LABELS[self.kind]}：{self.title}"

    def concerns(self, user: User, tree: UnitTree) -> bool:
        """Whether the user is expected to finish it: everyone for quizzes and series, a course's audience."""
        return self.course is None or in_audience(self.course, user, tree)


KIND_LABELS = {"quiz": "测验", "series": "闯关", "course": "课程"}


def quiz_target(quiz_id: int, *, include_unpublished: bool) -> Target:
    """A quiz as a target (404 for an unknown one, or an unpublished one for non-staff)."""
    quiz = get_quiz(quiz_id, include_unpublished=include_unpublished)
    return Target("quiz", quiz.id, quiz.title, (quiz.id,))


def series_target(series_id: int, *, include_unpublished: bool) -> Target:
    """A level series as a target: finished when every level is passed."""
    series = db.session.get(LevelSeries, series_id)
    if series is None or (not series.is_published and not include_unpublished):
        raise NotFound("闯关系列不存在", code="series_not_found")
    return Target("series", series.id, series.title, tuple(level.id for level in series.levels))


def course_target(course_id: int, *, include_unpublished: bool) -> Target:
    """A course as a target: finished when its 学时 are credited; only its audience is counted."""
    course = db.session.get(Course, course_id)
    if course is None or (not course.is_published and not include_unpublished):
        raise NotFound("课程不存在", code="course_not_found")
    return Target("course", course.id, course.title, course=course)


TARGET_LOADERS = {"quiz": quiz_target, "series": series_target, "course": course_target}


def target_choices(*, include_unpublished: bool) -> list[tuple[str, str]]:
    """(value "quiz:ID" / "series:ID" / "course:ID", label) of every target a page may offer, newest first."""
    quizzes = select(Quiz).where(Quiz.kind == "contest").order_by(Quiz.id.desc())
    series = select(LevelSeries).order_by(LevelSeries.id.desc())
    courses = select(Course).order_by(Course.id.desc())
    if not include_unpublished:
        quizzes, series = quizzes.where(Quiz.is_published.is_(True)), series.where(LevelSeries.is_published.is_(True))
        courses = courses.where(Course.is_published.is_(True))
    return ([(f"quiz:{quiz.id}", f"测验：{quiz.title}") for quiz in db.session.scalars(quizzes)]
            + [(f"series:{item.id}", f"闯关：{item.title}") for item in db.session.scalars(series)]
            + [(f"course:{item.id}", f"课程：{item.title}") for item in db.session.scalars(courses)])


def _course_states(course_id: int, chunk: list[int], states: dict[int, str]) -> None:
    started = select(CourseProgress.user_id).distinct().join(CourseItem, CourseItem.id == CourseProgress.item_id).where(
        CourseItem.course_id == course_id, CourseProgress.user_id.in_(chunk))
    for user_id in db.session.scalars(started):
        states[user_id] = UNFINISHED
    done = select(CourseCompletion.user_id).where(CourseCompletion.course_id == course_id,
                                                  CourseCompletion.user_id.in_(chunk))
    for user_id in db.session.scalars(done):
        states[user_id] = FINISHED


def user_states(target: Target, user_ids: list[int]) -> dict[int, str]:
    """The finishing rule: each given user's state for the target (NOT_STARTED when absent)."""
    states = dict.fromkeys(user_ids, NOT_STARTED)
    if not user_ids or (target.kind != "course" and not target.quiz_ids):
        return states
    for start in range(0, len(user_ids), 5000):
        chunk = user_ids[start:start + 5000]
        if target.kind == "course":
            _course_states(target.id, chunk, states)
            continue
        started = db.session.scalars(select(Attempt.user_id).distinct().where(
            Attempt.quiz_id.in_(target.quiz_ids), Attempt.user_id.in_(chunk)))
        for user_id in started:
            states[user_id] = UNFINISHED
        if target.kind == "quiz":
            done = select(Attempt.user_id).distinct().where(
                Attempt.quiz_id.in_(target.quiz_ids), Attempt.user_id.in_(chunk), Attempt.status.in_(FINAL_STATUSES))
        else:
            done = (select(Attempt.user_id)
                    .where(Attempt.quiz_id.in_(target.quiz_ids), Attempt.user_id.in_(chunk), Attempt.passed.is_(True))
                    .group_by(Attempt.user_id)
                    .having(func.count(distinct(Attempt.quiz_id)) >= len(target.quiz_ids)))
        for user_id in db.session.scalars(done):
            states[user_id] = FINISHED
    return states


def _people(unit_ids) -> list[User]:
    """Enabled accounts of the given units, by unit then username."""
    unit_ids = list(unit_ids)
    people: list[User] = []
    for start in range(0, len(unit_ids), 5000):
        people.extend(db.session.scalars(select(User).where(
            User.unit_id.in_(unit_ids[start:start + 5000]), User.is_enabled.is_(True))))
    return sorted(people, key=lambda user: (user.unit_id, user.username))


@dataclass(frozen=True)
class NonParticipant:
    user: User
    state: str
    unit_path: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def non_participants(target: Target, unit_id: int, tree: UnitTree) -> list[NonParticipant]:
    """The 未参与名单: everyone in the subtree of ``unit_id`` who has not finished the target."""
    people = [user for user in _people(tree.subtree_ids(unit_id)) if target.concerns(user, tree)]
    states = user_states(target, [user.id for user in people])
    rows = [NonParticipant(user, states[user.id], tree.path(user.unit_id)) for user in people
            if states[user.id] != FINISHED]
    return sorted(rows, key=lambda row: (row.unit_path, row.user.username))


def non_participants_xlsx(target: Target, rows: list[NonParticipant]) -> bytes:
    """The list as .xlsx, with each person's phone when recorded (the one xlsx writer, formula-safe)."""
    return table_to_xlsx(EXPORT_HEADERS, ([row.user.username, row.user.display_name, row.unit_path,
                                           row.user.phone or "", row.state_label] for row in rows),
                         sheet_title="未参与名单")


def export_filename(target: Target, unit_name: str) -> str:
    return safe_filename(f"未参与名单-{unit_name}-{target.title}.xlsx")


@dataclass
class UnitCount:
    """The reminder page's row: a unit's subtree and how many of its people lag behind."""

    unit_id: int
    name: str
    path: str
    has_children: bool
    #: the parent's own people (not in any child), listed as "（本级）"
    is_own_level: bool = False
    people: int = 0
    not_started: int = 0
    unfinished: int = 0
    managers: list[str] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return self.people - self.not_started - self.unfinished


def unit_counts(target: Target, parent_id: int | None, tree: UnitTree) -> list[UnitCount]:
    """For each child of ``parent_id`` (None: the top-level units): people, not started and unfinished
    over its whole subtree, and its managers; most not started first.  The parent's own people
    come last as a row of their own, so every person is counted once."""
    children = tree.child_ids(parent_id)
    owner: dict[int, int] = {}
    for child in children:
        for unit_id in tree.subtree_ids(child):
            owner[unit_id] = child
    rows = {child: UnitCount(child, tree.units[child].name, tree.path(child), bool(tree.child_ids(child)))
            for child in children}
    if parent_id is not None:
        owner[parent_id] = parent_id
        rows[parent_id] = UnitCount(parent_id, f"{tree.units[parent_id].name}（本级）", tree.path(parent_id), False,
                                    is_own_level=True)
    people = [user for user in _people(owner) if target.concerns(user, tree)]
    states = user_states(target, [user.id for user in people])
    for user in people:
        row = rows[owner[user.unit_id]]
        row.people += 1
        row.not_started += states[user.id] == NOT_STARTED
        row.unfinished += states[user.id] == UNFINISHED
        if user.role == "manager" and user.unit_id == row.unit_id:
            row.managers.append(user.display_name)
    return sorted(rows.values(), key=lambda row: (row.is_own_level, -row.not_started, row.path))


def managed_units(tree: UnitTree) -> list[int]:
    """The units that have at least one enabled manager, by path: each gets its own list."""
    ids = set(db.session.scalars(select(User.unit_id).where(
        User.role == "manager", User.is_enabled.is_(True), User.unit_id.is_not(None))))
    return sorted((unit_id for unit_id in ids if unit_id in tree.units), key=tree.path)


def all_managers_zip(target: Target, tree: UnitTree) -> bytes:
    """One click for organizers: every unit manager's 未参与名单, one .xlsx per managed unit named by unit.

    Everyone's state is read once and each list is cut from it, so a district with thousands of
    managed units costs one pass, not one query per unit."""
    everyone = [user for user in _people(tree.units) if target.concerns(user, tree)]
    states = user_states(target, [user.id for user in everyone])
    lagging: dict[int, list[User]] = {}
    for user in everyone:
        if states[user.id] != FINISHED:
            lagging.setdefault(user.unit_id, []).append(user)
    paths = {unit_id: tree.path(unit_id) for unit_id in lagging}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for unit_id in managed_units(tree):
            name = export_filename(target, tree.path(unit_id).replace(" / ", "-"))
            while name in used:  # two paths that clean to the same name
                name = name.removesuffix(".xlsx") + f"-{unit_id}.xlsx"
            used.add(name)
            rows = sorted((NonParticipant(user, states[user.id], paths[sub])
                           for sub in tree.subtree_ids(unit_id) for user in lagging.get(sub, ())),
                          key=lambda row: (row.unit_path, row.user.username))
            archive.writestr(name, non_participants_xlsx(target, rows))
    return buffer.getvalue()
