"""The unit managers' scope (quiz/org/scope.py) and the 未参与名单 rule (quiz/org/participation.py)
on a hand-built three-level tree: 区 → 局 → 局属单位 → 班组, with a sibling 局."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from quiz.extensions import db
from quiz.learning import services as learning
from quiz.learning.services import CourseFields, ItemFields
from quiz.models import CourseCompletion, CourseProgress
from quiz.org import participation, scope
from quiz.org.tree import load_tree
from quiz.services import attempts
from quiz.services.quizzes import RuleSpec
from quiz.training import levels

from helpers import T0, minutes
from org_helpers import build_org_tree


@pytest.fixture
def org(build):
    return build_org_tree(build)


def test_a_manager_sees_their_unit_and_everything_below(org):
    visible = scope.visible_unit_ids(org.bureau_manager)
    assert visible == {org.bureau.id, org.section.id, org.team.id}
    assert scope.can_see_unit(org.bureau_manager, org.team.id)  # two levels down
    assert scope.can_see_user(org.bureau_manager, org.team_worker)
    assert scope.can_manage_user(org.bureau_manager, org.section_worker)


def test_a_manager_of_the_parent_covers_the_children(org):
    assert scope.managed_unit_ids(org.district_manager) == {
        org.district.id, org.bureau.id, org.section.id, org.team.id, org.sibling.id}
    assert scope.can_manage_user(org.district_manager, org.bureau_manager)
    assert scope.can_manage_user(org.district_manager, org.sibling_worker)


def test_a_sibling_manager_sees_nothing_of_the_other_unit(org):
    assert not scope.can_see_unit(org.sibling_manager, org.bureau.id)
    assert not scope.can_see_user(org.sibling_manager, org.team_worker)
    assert not scope.can_manage_user(org.sibling_manager, org.section_worker)
    with pytest.raises(scope.OutOfScope) as refused:
        scope.require_visible_user(org.sibling_manager, org.team_worker)
    assert refused.value.status == 403 and "管理范围" in refused.value.message


def test_a_manager_looks_neither_upwards_nor_at_staff_nor_at_themselves(org, build):
    assert not scope.can_see_unit(org.bureau_manager, org.district.id)
    assert not scope.can_manage_user(org.bureau_manager, org.district_manager)
    trainer_in_unit = build.user("ju_trainer", role="trainer", unit=org.section)
    assert scope.can_see_user(org.bureau_manager, trainer_in_unit)
    assert not scope.can_manage_user(org.bureau_manager, trainer_in_unit)
    assert not scope.can_manage_user(org.bureau_manager, org.bureau_manager)
    assert scope.can_see_user(org.bureau_manager, org.bureau_manager)


def test_admins_see_and_manage_all_trainers_see_all_employees_see_none(org, build):
    admin, trainer = build.user("adm", role="admin"), build.user("tr", role="trainer")
    assert scope.visible_unit_ids(admin) is None and scope.managed_unit_ids(admin) is None
    assert scope.visible_unit_ids(trainer) is None and scope.managed_unit_ids(trainer) == frozenset()
    assert not scope.can_manage_user(trainer, org.team_worker)
    assert scope.visible_unit_ids(org.team_worker) == frozenset()
    assert not scope.can_see_user(org.team_worker, org.section_worker)


def test_a_manager_without_a_unit_manages_nobody(org):
    org.bureau_manager.unit_id = None
    assert scope.visible_unit_ids(org.bureau_manager) == frozenset()
    assert not scope.can_see_unit(org.bureau_manager, org.bureau.id)


def test_moving_a_unit_moves_it_in_or_out_of_the_scope(org):
    tree = load_tree()
    assert not scope.can_see_unit(org.sibling_manager, org.section.id, tree)
    org.section.parent_id = org.sibling.id
    db.session.commit()
    assert scope.can_see_unit(org.sibling_manager, org.team.id)
    assert not scope.can_see_unit(org.bureau_manager, org.team.id)


def _finish(user, quiz, now):
    attempt, _ = attempts.start_attempt(user, quiz, now)
    attempts.submit_attempt(attempt, now + minutes(1))
    db.session.commit()


def test_non_participants_of_a_subtree_with_states_and_paths(org, build):
    quiz = build.quiz(now=T0)
    _finish(org.section_worker, quiz, T0)
    attempts.start_attempt(org.team_worker, quiz, T0)  # started, not finished
    db.session.commit()
    target = participation.quiz_target(quiz.id, include_unpublished=False)
    rows = participation.non_participants(target, org.bureau.id, load_tree())
    by_name = {row.user.username: row for row in rows}
    assert set(by_name) == {"ju_manager", "banzu_worker"}  # the sibling's people are not in it
    assert by_name["banzu_worker"].state == participation.UNFINISHED
    assert by_name["banzu_worker"].unit_path == "文旅区 / 文旅局 / 图书馆 / 借阅班组"
    assert by_name["ju_manager"].state == participation.NOT_STARTED


def test_disabled_accounts_are_not_chased(org, build):
    quiz = build.quiz(now=T0)
    org.team_worker.is_enabled = False
    db.session.commit()
    target = participation.quiz_target(quiz.id, include_unpublished=False)
    assert "banzu_worker" not in {r.user.username for r in participation.non_participants(target, org.bureau.id, load_tree())}


def test_the_export_has_the_phone_and_is_formula_safe(org, build):
    quiz = build.quiz(now=T0)
    org.section_worker.display_name = "=HYPERLINK(\"x\")"
    db.session.commit()
    target = participation.quiz_target(quiz.id, include_unpublished=False)
    rows = participation.non_participants(target, org.section.id, load_tree())
    sheet = openpyxl.load_workbook(io.BytesIO(participation.non_participants_xlsx(target, rows))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == participation.EXPORT_HEADERS
    assert ["banzu_worker", "班组职工", "文旅区 / 文旅局 / 图书馆 / 借阅班组", "13800001111", "未开始"] in values
    assert any(row[1] == "'=HYPERLINK(\"x\")" for row in values[1:])


def test_unit_counts_roll_up_each_child_subtree(org, build):
    quiz = build.quiz(now=T0)
    _finish(org.team_worker, quiz, T0)
    counts = {row.name: row for row in participation.unit_counts(
        participation.quiz_target(quiz.id, include_unpublished=False), org.district.id, load_tree())}
    assert set(counts) == {"文旅局", "应急局", "文旅区（本级）"}
    assert counts["文旅区（本级）"].people == 1 and counts["文旅区（本级）"].managers == ["区管理员"]
    bureau = counts["文旅局"]
    assert (bureau.people, bureau.not_started, bureau.unfinished, bureau.finished) == (3, 2, 0, 1)
    assert bureau.managers == ["局管理员"] and bureau.has_children
    top = participation.unit_counts(participation.quiz_target(quiz.id, include_unpublished=False), None, load_tree())
    assert [(row.name, row.people) for row in top] == [("文旅区", 6)]


def test_a_series_is_finished_only_with_every_level_passed(org, build):
    build.questions(4, type="single")
    series = levels.create_series("安全闯关", "", None)
    first, second = (levels.add_level(series, title=f"第{n}关", rules=[RuleSpec(count=1, type="single")],
                                      pass_percent=10, time_limit_seconds=None, created_by=None, now=T0)
                     for n in (1, 2))
    levels.set_series_published(series, True)
    db.session.commit()

    def passed(user, level):
        attempt, _ = attempts.start_attempt(user, level, T0)
        attempts.submit_attempt(attempt, T0 + minutes(1))
        attempt.passed = True
        db.session.commit()

    passed(org.section_worker, first)
    passed(org.section_worker, second)
    passed(org.team_worker, first)
    target = participation.series_target(series.id, include_unpublished=False)
    assert target.quiz_ids == (first.id, second.id)
    states = participation.user_states(target, [org.section_worker.id, org.team_worker.id, org.bureau_manager.id])
    assert states == {org.section_worker.id: participation.FINISHED, org.team_worker.id: participation.UNFINISHED,
                      org.bureau_manager.id: participation.NOT_STARTED}


def test_the_zip_has_one_list_per_managed_unit(org, build):
    quiz = build.quiz(now=T0)
    data = participation.all_managers_zip(participation.quiz_target(quiz.id, include_unpublished=False), load_tree())
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert len(names) == 3 and all(name.endswith(".xlsx") for name in names)
    assert any("文旅区-文旅局" in name for name in names) and any("应急局" in name for name in names)
    sheet = openpyxl.load_workbook(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read(
        next(n for n in names if "应急局" in n)))).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["yj_manager", "yj_worker"]


def test_a_course_counts_its_audience_and_finishes_with_its_credit(org, build):
    trainer = build.user("kc_trainer", role="trainer")
    course = learning.create_course(CourseFields("消防安全微课堂", "消防安全", 0.5, "", None, [org.bureau.id], [],
                                                 None, None), trainer, T0)
    learning.add_item(course, ItemFields("article", "图文", body="正文", case_events="", required_seconds=60), None,
                      trainer, T0)
    learning.set_published(course, True, trainer, T0)
    db.session.flush()
    db.session.add(CourseProgress(user_id=org.team_worker.id, item_id=course.items[0].id, started_at=T0))
    db.session.add(CourseCompletion(user_id=org.section_worker.id, course_id=course.id, completed_at=T0, hours=0.5,
                                    year=2026, course_title=course.title))
    db.session.commit()
    target = participation.course_target(course.id, include_unpublished=False)
    assert target.label == "课程：消防安全微课堂"
    rows = participation.non_participants(target, org.district.id, load_tree())
    # the district's and the sibling's people are outside the course's audience (the bureau's subtree)
    assert {(row.user.username, row.state) for row in rows} == {
        ("ju_manager", participation.NOT_STARTED), ("banzu_worker", participation.UNFINISHED)}
    counts = {row.name: row for row in participation.unit_counts(target, org.district.id, load_tree())}
    assert counts["应急局"].people == 0 and counts["文旅局"].finished == 1
