"""Question bank management: list, search, filters, paging; create/edit/preview; deactivate vs delete; categories."""

from __future__ import annotations

import re

import pytest

from quiz.extensions import db
from quiz.models import AuditEntry, Category, Question
from quiz.services import attempts
from quiz.services.questions import stem_key

from helpers import PASSWORD, T0


def form_data(**overrides) -> dict:
    """A valid 单选 question as the form posts it."""
    data = {
        "type": "single", "stem": "发现火情应当首先做什么？",
        "options-0": "报警", "options-1": "拍照", "options-2": "围观", "options-3": "",
        "options-4": "", "options-5": "", "options-6": "", "options-7": "",
        "answer_letters": ["A"], "category_id": "0", "new_category": "消防安全",
        "difficulty": "1", "points": "2", "explanation": "先报警", "source": "《消防法》", "save": "保存",
    }
    data.update(overrides)
    return data


def errors_in(html: str) -> list[str]:
    return re.findall(r'class="invalid-feedback[^"]*">([^<]+)<', html)


@pytest.mark.parametrize("url", ["/trainer/questions", "/trainer/questions/new", "/trainer/quizzes",
                                 "/trainer/imports/new", "/trainer/categories", "/admin/users"])
def test_trainer_pages_need_the_role(client, build, web_login, url):
    assert client.get(url).status_code == 302  # anonymous: to the login page
    web_login(build.user("employee1"))
    assert client.get(url).status_code == 403


def test_list_search_filters_and_paging(client, trainer, build):
    for n in range(55):
        build.question(stem=f"普通题目{n}？", category="消防安全")
    fire = build.question(type="multiple", stem="防火门应当保持关闭状态吗？", category="消防安全", difficulty=3)
    inactive = build.question(type="true_false", stem="已停用的判断题？", category="交通安全")
    inactive.is_active = False
    db.session.commit()

    first = client.get("/trainer/questions").data.decode()
    assert "共 57 条" in first and "第 1/2 页" in first
    second = client.get("/trainer/questions?page=2").data.decode()
    assert second.count('data-question-id="') == 7

    found = client.get("/trainer/questions?q=防火门").data.decode()
    assert f'data-question-id="{fire.id}"' in found and "共 1 条" in found
    assert "共 1 条" in client.get(f"/trainer/questions?q={fire.id}").data.decode()  # by number too
    assert "共 1 条" in client.get("/trainer/questions?type=multiple&difficulty=3").data.decode()
    assert "共 1 条" in client.get("/trainer/questions?active=0").data.decode()
    traffic = db.session.scalar(db.select(Category.id).where(Category.name == "交通安全"))
    assert f'data-question-id="{inactive.id}"' in client.get(f"/trainer/questions?category_id={traffic}").data.decode()
    # junk filters are ignored, not errors
    assert client.get("/trainer/questions?category_id=abc&difficulty=9&page=-3&type=x").status_code == 200
    assert "共 0 条" in client.get("/trainer/questions?q=%25_").data.decode()  # LIKE wildcards are literal


def test_create_preview_and_edit_a_question(client, trainer):
    preview = client.post("/trainer/questions/new", data=form_data(save=None, preview="预览"))
    html = preview.data.decode()
    assert preview.status_code == 200 and "预览（尚未保存）" in html and "正确答案" in html
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0

    created = client.post("/trainer/questions/new", data=form_data())
    assert created.status_code == 302
    question = db.session.scalars(db.select(Question)).one()
    assert (question.type, question.options, question.correct, question.points, question.category.name) == (
        "single", ["报警", "拍照", "围观"], [0], 2, "消防安全")
    assert question.stem_key == stem_key(question.stem)
    detail = client.get(f"/trainer/questions/{question.id}").data.decode()
    assert "发现火情应当首先做什么？" in detail and "新增题目" in detail

    edit_page = client.get(f"/trainer/questions/{question.id}/edit").data.decode()
    assert 'value="报警"' in edit_page and re.search(r'value="A"\s+id="answer-A" checked', edit_page)
    changed = client.post(f"/trainer/questions/{question.id}/edit", data=form_data(
        type="multiple", answer_letters=["A", "C"], **{"options-3": "撤离"}, category_id=str(question.category_id),
        new_category=""))
    assert changed.status_code == 302
    db.session.refresh(question)
    assert question.type == "multiple" and question.correct == [0, 2] and len(question.options) == 4
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "question.update")).one()
    assert entry.actor_name == "trainer1" and entry.changes["type"] == ["single", "multiple"]
    assert entry.changes["correct"] == [[0], [0, 2]]


def test_true_false_question(client, trainer):
    client.post("/trainer/questions/new", data=form_data(type="true_false", stem="灭火器要定期检查。",
                                                          answer_letters=[], true_false_answer="错误"))
    question = db.session.scalars(db.select(Question)).one()
    assert question.options == ["正确", "错误"] and question.correct == [1]


@pytest.mark.parametrize("overrides, field_message", [
    ({"answer_letters": ["D"]}, "不在本题的选项中"),
    ({"answer_letters": ["A", "B"]}, "单选题只能有一个正确答案"),
    ({"type": "multiple", "answer_letters": ["A"]}, "多选题至少需要两个正确答案"),
    ({"options-1": "", "options-2": ""}, "至少需要2个选项"),
    ({"options-1": "", "options-2": "围观"}, "必须从选项A开始连续填写"),
    ({"answer_letters": []}, "答案不能为空"),
    ({"type": "true_false", "answer_letters": [], "true_false_answer": ""}, "答案不能为空"),
    ({"stem": "长" * 2001}, "题干不能超过 2000 字"),
    ({"options-0": "长" * 501}, "选项不能超过 500 字"),
    ({"points": "abc"}, "不是有效的整数"),
    ({"points": "101"}, "分值应为 1-100 的整数"),
    ({"new_category": "", "category_id": "0"}, "请选择分类"),
    ({"new_category": "类" * 101}, "分类名称不能超过 100 字"),
    ({"type": "essay"}, "不是有效的选择"),
])
def test_invalid_questions_give_field_errors(client, trainer, overrides, field_message):
    response = client.post("/trainer/questions/new", data=form_data(**overrides))
    html = response.data.decode()
    assert response.status_code == 200
    assert any(field_message in message for message in errors_in(html)), errors_in(html)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_eight_options_at_most_and_two_at_least(client, trainer):
    data = form_data(type="multiple", answer_letters=["A", "H"], **{f"options-{i}": f"选项{i}" for i in range(8)})
    assert client.post("/trainer/questions/new", data=data).status_code == 302
    assert db.session.scalars(db.select(Question)).one().options[-1] == "选项7"


def test_duplicate_in_the_bank_is_refused(client, trainer, build):
    """The same question: same type, normalised stem and set of options (in any order)."""
    existing = build.question(stem="发现火情应当首先做什么？", options=["围观", "报警", "拍照"], correct=[1])
    response = client.post("/trainer/questions/new", data=form_data(stem="发现火情，应当首先做什么?"))
    assert f"题库中已有相同的题目（#{existing.id}）" in response.data.decode()
    other = build.question(stem="另一道题？", options=["报警", "拍照", "围观"], correct=[0])
    response = client.post(f"/trainer/questions/{other.id}/edit", data=form_data(stem="发现火情应当首先做什么？"))
    assert "题库中已有相同的题目" in response.data.decode()
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 2


def test_a_generic_stem_with_other_options_is_another_question(client, trainer, build):
    build.question(stem="以下说法中正确的是（ ）", options=["电梯可用于火灾逃生", "灭火器应定期检查", "安全出口可以上锁"],
                   correct=[1])
    response = client.post("/trainer/questions/new", data=form_data(stem="以下说法中正确的是（ ）"))
    assert response.status_code == 302, errors_in(response.data.decode())
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 2


def test_used_questions_can_only_be_deactivated(client, trainer, build):
    quiz = build.quiz()
    employee = build.user("emp1")
    attempt, _ = attempts.start_attempt(employee, quiz, T0)
    db.session.commit()
    used_id = attempt.questions[0].question_id
    unused_id = build.question(stem="从没用过的题？").id

    refused = client.post(f"/trainer/questions/{used_id}/delete")
    assert refused.status_code == 302 and db.session.get(Question, used_id) is not None
    page = client.get(f"/trainer/questions/{used_id}").data.decode()
    assert "只能停用" in page and "/delete" not in page  # no delete button for a used question

    client.post(f"/trainer/questions/{used_id}/deactivate")
    question = db.session.get(Question, used_id)
    db.session.refresh(question)
    assert question.is_active is False
    client.post(f"/trainer/questions/{used_id}/activate")
    db.session.refresh(question)
    assert question.is_active is True

    assert client.post(f"/trainer/questions/{unused_id}/delete").status_code == 302
    assert db.session.get(Question, unused_id) is None
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"question.deactivate", "question.activate", "question.delete"} <= actions


def test_categories_create_and_rename(client, trainer, build):
    assert client.post("/trainer/categories", data={"new-name": "消防安全"}).status_code == 302
    duplicate = client.post("/trainer/categories", data={"new-name": " 消防安全 "})
    assert "分类“消防安全”已存在" in duplicate.data.decode()
    too_long = client.post("/trainer/categories", data={"new-name": "类" * 101})
    assert "分类名称不能超过 100 字" in too_long.data.decode()
    category = db.session.scalars(db.select(Category)).one()
    client.post(f"/trainer/categories/{category.id}/rename", data={f"c{category.id}-name": "消防与用电安全"})
    db.session.refresh(category)
    assert category.name == "消防与用电安全"
    build.category("交通安全")
    client.post(f"/trainer/categories/{category.id}/rename", data={f"c{category.id}-name": "交通安全"})
    db.session.refresh(category)
    assert category.name == "消防与用电安全"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "category.rename")).one()
    assert entry.changes == {"name": ["消防安全", "消防与用电安全"]}


def test_question_search_json_for_the_picker(client, trainer, build):
    build.question(stem="防火门应常闭？")
    data = client.get("/trainer/questions/search.json?q=防火门").json
    assert [q["stem"] for q in data["questions"]] == ["防火门应常闭？"]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_question_form_needs_the_csrf_token(csrf_app_config, client, build):
    user = build.user("trainer9", role="trainer")
    client.post("/login", data={"username": user.username, "password": PASSWORD,
                                "csrf_token": csrf_of(client.get("/login").data.decode())})
    assert client.post("/trainer/questions/new", data=form_data()).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    token = csrf_of(client.get("/trainer/questions/new").data.decode())
    assert client.post("/trainer/questions/new", data=form_data(csrf_token=token)).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 1


def test_category_rename_form_needs_the_csrf_token(csrf_app_config, client, build):
    user = build.user("trainer8", role="trainer")
    client.post("/login", data={"username": user.username, "password": PASSWORD,
                                "csrf_token": csrf_of(client.get("/login").data.decode())})
    category = build.category("消防安全")
    client.post(f"/trainer/categories/{category.id}/rename", data={f"c{category.id}-name": "改名"})
    db.session.refresh(category)
    assert category.name == "消防安全"
    page = client.get("/trainer/categories").data.decode()
    token = re.search(rf'name="c{category.id}-csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/trainer/categories/{category.id}/rename",
                data={f"c{category.id}-name": "改名", f"c{category.id}-csrf_token": token})
    db.session.refresh(category)
    assert category.name == "改名"
