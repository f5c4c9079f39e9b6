"""The quiz builder: settings and rules, live totals, bank checks, sample draw, publishing, frozen rules, fixed papers."""

from __future__ import annotations

import random
import re

import pytest
import time_machine

from quiz.extensions import db
from quiz.models import AuditEntry, Category, Question, Quiz, User
from quiz.services import attempts
from quiz.trainer import quiz_builder
from quiz.trainer.quiz_builder import QuizFrozen, QuizSettings
from quiz.services.quizzes import RuleSpec

from helpers import PASSWORD, T0, minutes


@pytest.fixture
def bank(build):
    """消防安全: 6 单选 + 3 多选; 疏散逃生: 4 判断."""
    build.questions(6, type="single", category="消防安全", points=2)
    build.questions(3, type="multiple", category="消防安全", points=4)
    build.questions(4, type="true_false", category="疏散逃生")
    return {c.name: c.id for c in db.session.scalars(db.select(Category))}


def quiz_data(**overrides) -> dict:
    data = {
        "title": "消防安全知识竞赛", "description": "安全生产月", "time_limit_minutes": "20",
        "opens_at": "2026-06-01T09:00", "closes_at": "2026-06-30T18:00", "max_attempts": "3",
        "max_attempts_per_day": "1", "pass_score": "10", "review_policy": "immediate",
        "multiple_choice_scoring": "partial", "shuffle_questions": "y",
        "fixed_questions": "", "fixed_points": "", "save": "保存",
    }
    data.update(overrides)
    return data


def rules(*specs) -> dict:
    """Form fields for rule rows: (category_id, type, difficulty, count, points)."""
    data = {}
    for index, (category_id, type_, difficulty, count, points) in enumerate(specs):
        data.update({
            f"rules-{index}-category_id": str(category_id or 0), f"rules-{index}-type": type_ or "",
            f"rules-{index}-difficulty": str(difficulty or 0), f"rules-{index}-count": str(count or ""),
            f"rules-{index}-points": str(points or ""),
        })
    return data


def errors_in(html: str) -> list[str]:
    return re.findall(r'class="(?:invalid-feedback[^"]*|alert alert-danger general-error)">([^<]+)<', html)


def test_create_a_quiz_with_rules_saved_as_draft(client, trainer, bank):
    form = quiz_data(**rules((bank["消防安全"], "single", None, 5, 2), (bank["消防安全"], "multiple", None, 2, None),
                             (None, None, None, None, None)))
    response = client.post("/trainer/quizzes/new", data=form)
    assert response.status_code == 302, errors_in(response.data.decode())
    quiz = db.session.scalars(db.select(Quiz)).one()
    assert quiz.is_published is False and quiz.question_count == 7
    assert quiz.time_limit_seconds == 1200 and quiz.pass_score == 10 and quiz.max_attempts_per_day == 1
    assert quiz.multiple_choice_scoring == "partial" and quiz.shuffle_options is False
    assert quiz.opens_at.isoformat() == "2026-06-01T01:00:00+00:00"  # 09:00 in Shanghai
    assert [(r.type, r.count, r.points) for r in quiz.rules] == [("single", 5, 2), ("multiple", 2, None)]
    detail = client.get(f"/trainer/quizzes/{quiz.id}").data.decode()
    assert "7 题，满分 18 分" in detail and "草稿" in detail
    assert db.session.scalars(db.select(AuditEntry.action)).all() == ["quiz.create"]


def test_rules_the_bank_cannot_satisfy_are_refused_with_the_numbers(client, trainer, bank):
    form = quiz_data(**rules((bank["消防安全"], "multiple", None, 5, None), (bank["疏散逃生"], None, None, 2, None)))
    response = client.post("/trainer/quizzes/new", data=form)
    html = response.data.decode()
    assert response.status_code == 422
    assert any("第 1 条规则（消防安全/多选/全部难度）需要 5 题，题库中可用的只有 3 题" in e for e in errors_in(html))
    assert db.session.scalar(db.select(db.func.count(Quiz.id))) == 0
    # Each rule alone fits, together they overlap: said as well.
    overlap = client.post("/trainer/quizzes/new", data=quiz_data(**rules((None, "single", None, 6, None),
                                                                          (bank["消防安全"], "single", None, 1, None))))
    assert any("规则之间有重叠" in e for e in errors_in(overlap.data.decode()))


def test_live_totals_json(client, trainer, bank):
    params = rules((bank["消防安全"], "single", None, 4, 5), (None, "true_false", None, 9, None))
    data = client.get("/trainer/quizzes/rule-check", query_string={**params, "fixed_questions": ""}).json
    assert data["question_count"] == 13 and data["ok"] is False
    assert [(r["available"], r["needed"]) for r in data["rules"]] == [(6, 4), (4, 9)]
    assert "第 2 条规则" in data["problems"][0]
    ok = client.get("/trainer/quizzes/rule-check", query_string=rules((bank["消防安全"], "single", None, 4, 5))).json
    assert ok["ok"] is True and ok["max_score"] == 20


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "请填写标题"),
    ({"title": "题" * 201}, "标题不能超过 200 字"),
    ({"time_limit_minutes": "abc"}, "不是有效的整数"),
    ({"time_limit_minutes": "0"}, "答题时长应为 1-1440 分钟"),
    ({"opens_at": "2026-13-45T99:00"}, "不是有效的日期与时间值"),
    ({"closes_at": "2026-05-01T09:00"}, "结束时间必须晚于开始时间"),
    ({"max_attempts": "-1"}, "总答题次数应为 1-1000"),
    ({"pass_score": "1000"}, "及格分应在 0 到总分 10 之间"),
    ({"review_policy": "sometimes"}, "不是有效的选择"),
    ({"fixed_questions": "1, two"}, "题目编号应为数字"),
    ({"rules-0-count": "x"}, "不是有效的整数"),
    ({"rules-0-count": "501"}, "题数应为 1-500"),
])
def test_bad_input_gives_field_errors_never_a_500(client, trainer, bank, overrides, message):
    form = {**quiz_data(**rules((bank["消防安全"], "single", None, 5, 2))), **overrides}
    response = client.post("/trainer/quizzes/new", data=form)
    assert response.status_code == 422
    assert any(message in error for error in errors_in(response.data.decode())), errors_in(response.data.decode())
    assert db.session.scalar(db.select(db.func.count(Quiz.id))) == 0


def test_check_button_previews_one_sample_draw(client, trainer, bank):
    form = quiz_data(save=None, check="检查并预览抽题", **rules((bank["疏散逃生"], None, None, 3, 1)))
    response = client.post("/trainer/quizzes/new", data=form)
    html = response.data.decode()
    assert response.status_code == 200 and "抽题预览" in html
    assert len(re.findall(r'<li class="mb-1">', html)) == 3
    assert db.session.scalar(db.select(db.func.count(Quiz.id))) == 0


def test_publish_unpublish_and_audit(client, trainer, bank):
    client.post("/trainer/quizzes/new", data=quiz_data(**rules((None, "single", None, 3, 5))))
    quiz = db.session.scalars(db.select(Quiz)).one()
    client.post(f"/trainer/quizzes/{quiz.id}/publish")
    db.session.refresh(quiz)
    assert quiz.is_published is True
    client.post(f"/trainer/quizzes/{quiz.id}/unpublish")
    db.session.refresh(quiz)
    assert quiz.is_published is False
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["quiz.create", "quiz.publish", "quiz.unpublish"]
    listed = client.get("/trainer/quizzes").data.decode()
    assert f'data-quiz-id="{quiz.id}"' in listed and "草稿" in listed


def test_publishing_refuses_rules_the_bank_no_longer_satisfies(client, trainer, build, bank):
    quiz = build.quiz([RuleSpec(count=4, type="true_false")], is_published=False)
    for question in db.session.scalars(db.select(Question).where(Question.type == "true_false")):
        question.is_active = False
        break
    db.session.commit()
    client.post(f"/trainer/quizzes/{quiz.id}/publish")
    db.session.refresh(quiz)
    assert quiz.is_published is False
    assert "可用的只有 3 题" in client.get(f"/trainer/quizzes/{quiz.id}").data.decode()


def test_edit_before_attempts_changes_rules(client, trainer, build, bank):
    quiz = build.quiz([RuleSpec(count=2, type="single")], is_published=False)
    response = client.post(f"/trainer/quizzes/{quiz.id}/edit", data=quiz_data(**rules((None, "single", None, 4, 3))))
    assert response.status_code == 302
    db.session.refresh(quiz)
    assert [(r.count, r.points) for r in quiz.rules] == [(4, 3)]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "quiz.update")).one()
    assert entry.changes["rules"] == [["全部分类/单选/全部难度 × 2"], ["全部分类/单选/全部难度 × 4，每题 3 分"]]


def test_rules_are_frozen_once_attempts_exist(client, trainer, build, bank):
    quiz = build.quiz([RuleSpec(count=2, type="single", points=5)], pass_score=5)
    attempts.start_attempt(build.user("emp1"), quiz, T0)
    db.session.commit()

    page = client.get(f"/trainer/quizzes/{quiz.id}/edit").data.decode()
    assert 'id="frozen-notice"' in page and "创建新版本" in page
    assert 'id="total-questions">2<' in page and 'id="total-score">10<' in page  # totals without script
    # Posting new rules anyway: the rules and scoring stay, the editable settings change.
    response = client.post(f"/trainer/quizzes/{quiz.id}/edit", data=quiz_data(
        title="新标题", pass_score="1", time_limit_minutes="5", **rules((None, "single", None, 6, 1))))
    assert response.status_code == 302
    db.session.refresh(quiz)
    assert quiz.title == "新标题" and quiz.pass_score == 5 and quiz.time_limit_seconds == 600
    assert [(r.count, r.points) for r in quiz.rules] == [(2, 5)]

    # The service refuses with the reason (the API and any other caller go through it).
    settings = QuizSettings.of(quiz)
    with pytest.raises(QuizFrozen) as refused:
        quiz_builder.update_quiz(quiz, settings, [RuleSpec(count=3, type="single")], quiz_builder_actor(), T0)
    assert "不能修改抽题规则" in refused.value.message
    db.session.rollback()

    # A new version copies everything, unpublished and editable.
    response = client.post(f"/trainer/quizzes/{quiz.id}/new-version")
    copy = db.session.scalars(db.select(Quiz).where(Quiz.previous_version_id == quiz.id)).one()
    assert response.headers["Location"].endswith(f"/trainer/quizzes/{copy.id}/edit")
    assert (copy.version, copy.is_published, copy.title) == (2, False, "新标题")
    assert [(r.count, r.points) for r in copy.rules] == [(2, 5)]
    assert client.post(f"/trainer/quizzes/{copy.id}/edit",
                       data=quiz_data(**rules((None, "single", None, 3, 5)))).status_code == 302
    db.session.refresh(copy)
    assert copy.question_count == 3


def quiz_builder_actor():
    return db.session.scalars(db.select(User).where(User.role == "trainer")).one()


def test_fixed_paper_keeps_its_order_and_survives_deactivation(client, trainer, build, bank):
    ids = [q.id for q in db.session.scalars(db.select(Question).order_by(Question.id))]
    chosen = [ids[7], ids[0], ids[10]]
    form = quiz_data(shuffle_questions="", fixed_questions=f"#{chosen[0]}，{chosen[1]}\n{chosen[2]}", fixed_points="4",
                     pass_score="0", **rules((None, None, None, None, None)))
    response = client.post("/trainer/quizzes/new", data=form)
    assert response.status_code == 302, errors_in(response.data.decode())
    quiz = db.session.scalars(db.select(Quiz)).one()
    assert [(r.question_id, r.count, r.points) for r in quiz.rules] == [(qid, 1, 4) for qid in chosen]
    client.post(f"/trainer/quizzes/{quiz.id}/publish")

    deactivated = db.session.get(Question, chosen[1])
    deactivated.is_active = False
    db.session.commit()
    attempt, _ = attempts.start_attempt(build.user("emp2"), quiz, T0, random.Random(1))
    assert [item.question_id for item in attempt.questions] == chosen
    assert attempt.max_score == 12

    edit = client.get(f"/trainer/quizzes/{quiz.id}/edit").data.decode()
    assert "已停用" in edit  # the pinned question is shown with its state


def test_fixed_questions_must_exist_and_be_active(client, trainer, build, bank):
    inactive = build.question(type="single")
    inactive.is_active = False
    db.session.commit()
    missing = client.post("/trainer/quizzes/new", data=quiz_data(fixed_questions="99999", pass_score="0"))
    assert any("固定题目 #99999" in e for e in errors_in(missing.data.decode()))
    refused = client.post("/trainer/quizzes/new", data=quiz_data(fixed_questions=str(inactive.id), pass_score="0"))
    assert any("已停用，不能加入试卷" in e for e in errors_in(refused.data.decode()))
    duplicate = client.post("/trainer/quizzes/new", data=quiz_data(fixed_questions="1, 1", pass_score="0"))
    assert any("重复的编号" in e for e in errors_in(duplicate.data.decode()))
    assert db.session.scalar(db.select(db.func.count(Quiz.id))) == 0


def test_published_quiz_reaches_employees(client, trainer, build, bank, web_login):
    with time_machine.travel(T0, tick=False):
        web_login(trainer)
        client.post("/trainer/quizzes/new", data=quiz_data(opens_at="", closes_at="", **rules((None, "single", None, 2, 5))))
        quiz = db.session.scalars(db.select(Quiz)).one()
        client.post("/logout")
        employee = build.user("emp3")
        web_login(employee)
        assert "消防安全知识竞赛" not in client.get("/").data.decode()
        client.post("/logout")
        web_login(trainer)
        client.post(f"/trainer/quizzes/{quiz.id}/publish")
        client.post("/logout")
        web_login(employee)
        assert "消防安全知识竞赛" in client.get("/").data.decode()
    with time_machine.travel(T0 + minutes(1), tick=False):
        assert client.post(f"/quizzes/{quiz.id}/start").status_code == 302


def test_quiz_form_needs_the_csrf_token(csrf_app_config, client, build, bank):
    user = build.user("trainer9", role="trainer")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").data.decode()).group(1)
    client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    form = quiz_data(**rules((None, "single", None, 2, 5)))
    assert client.post("/trainer/quizzes/new", data=form).status_code == 400
    page = client.get("/trainer/quizzes/new").data.decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/trainer/quizzes/new", data={**form, "csrf_token": token}).status_code == 302
    quiz = db.session.scalars(db.select(Quiz)).one()
    assert client.post(f"/trainer/quizzes/{quiz.id}/publish").status_code == 400


def test_a_shrunken_bank_does_not_block_editing_the_title(client, trainer, build, bank):
    quiz = build.quiz([RuleSpec(count=2, type="multiple", points=5)], pass_score=5)
    attempts.start_attempt(build.user("emp4"), quiz, T0)
    for question in db.session.scalars(db.select(Question).where(Question.type == "multiple")):
        question.is_active = False
    db.session.commit()
    response = client.post(f"/trainer/quizzes/{quiz.id}/edit", data=quiz_data(title="改个标题", pass_score="5"))
    assert response.status_code == 302
    db.session.refresh(quiz)
    assert quiz.title == "改个标题"
    assert "可用的只有 0 题" in client.get(f"/trainer/quizzes/{quiz.id}").data.decode()
