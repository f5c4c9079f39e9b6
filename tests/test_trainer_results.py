"""Results: attempts table, unit filter, paging, one attempt's answers, exports, and item analysis."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import time_machine

from quiz.extensions import db
from quiz.models import Unit
from quiz.services import attempts
from quiz.trainer import item_analysis
from quiz.services.quizzes import RuleSpec

from helpers import T0, minutes


def take(build, user, quiz, answers: dict[int, list[int]], at=T0):
    """Start, answer (display ids) and submit one attempt."""
    attempt, _ = attempts.start_attempt(user, quiz, at)
    db.session.commit()
    for question_id, selected in answers.items():
        attempts.save_answer(attempt.id, user.id, question_id, selected, at + minutes(1))
    attempts.submit_attempt(attempt, at + minutes(2))
    db.session.commit()
    return attempt


@pytest.fixture
def analysed_quiz(build):
    """The hand-computed example of the item analysis (see test_item_analysis_matches_the_hand_computed_example).

    A fixed paper of four 1-point questions, no shuffling, all-or-nothing scoring:
    Q1 单选 (A correct), Q2 多选 (A and C), Q3 判断 (正确), Q4 单选 (B correct).
    """
    q1 = build.question(type="single", correct=[0], stem="Q1？")
    q2 = build.question(type="multiple", correct=[0, 2], stem="Q2？")
    q3 = build.question(type="true_false", correct=[0], stem="Q3？")
    q4 = build.question(type="single", correct=[1], stem="Q4？")
    quiz = build.quiz([RuleSpec(count=1, question_id=q.id) for q in (q1, q2, q3, q4)],
                      shuffle_questions=False, shuffle_options=False, max_attempts=None)
    library, museum = build.unit("区图书馆"), build.unit("区博物馆")
    answers = [  # E1 .. E8; a missing key means "not answered"
        {q1.id: [0], q2.id: [0, 2], q3.id: [0], q4.id: [0]},  # 3 points
        {q1.id: [0], q2.id: [0, 2], q3.id: [1], q4.id: [2]},  # 2
        {q1.id: [0], q2.id: [0], q3.id: [0], q4.id: [0]},     # 2
        {q1.id: [1], q2.id: [0, 2], q3.id: [0]},              # 2
        {q1.id: [0], q2.id: [1, 2], q3.id: [1], q4.id: [0]},  # 1
        {q1.id: [2], q3.id: [0], q4.id: [3]},                 # 1
        {q1.id: [1], q2.id: [0, 1], q3.id: [1], q4.id: [1]},  # 1
        {q2.id: [3], q3.id: [0], q4.id: [0]},                 # 1
    ]
    for number, selections in enumerate(answers, start=1):
        user = build.user(f"e{number}", display_name=f"职工{number}", unit=library if number <= 4 else museum)
        take(build, user, quiz, selections)
    return quiz, (q1, q2, q3, q4)


def test_item_analysis_matches_the_hand_computed_example(analysed_quiz):
    """8 attempts scored 3,2,2,2,1,1,1,1 (ties by attempt id): 27 % of 8 is 2.16, so groups of 2:
    upper = E1, E2; lower = E7, E8.

    Q1: correct E1 E2 E3 E5          -> P = 4/8 = 0.5;   D = 2/2 - 0/2 = 1.0
        chosen A 4, B 2 (E4 E7), C 1 (E6), D 0, blank 1 (E8)
    Q2: correct E1 E2 E4             -> P = 3/8 = 0.375; D = 2/2 - 0/2 = 1.0
        chosen A 5 (E1 E2 E3 E4 E7), B 2 (E5 E7), C 4 (E1 E2 E4 E5), D 1 (E8), blank 1 (E6)
    Q3: correct E1 E3 E4 E6 E8       -> P = 5/8 = 0.625; D = 1/2 - 1/2 = 0
        chosen 正确 5, 错误 3
    Q4: correct E7 only              -> P = 1/8 = 0.125; D = 0/2 - 1/2 = -0.5  -> flagged (both reasons)
        chosen A 4 (E1 E3 E5 E8), B 1 (E7), C 1 (E2), D 1 (E6), blank 1 (E4)
    """
    quiz, (q1, q2, q3, q4) = analysed_quiz
    analysis = item_analysis.analyze_quiz(quiz)
    assert (analysis.attempt_count, analysis.group_size) == (8, 2)
    items = {item.question_id: item for item in analysis.items}
    expected = {
        q1.id: (0.5, 1.0, [4, 2, 1, 0], 1),
        q2.id: (0.375, 1.0, [5, 2, 4, 1], 1),
        q3.id: (0.625, 0.0, [5, 3], 0),
        q4.id: (0.125, -0.5, [4, 1, 1, 1], 1),
    }
    for question_id, (facility, discrimination, counts, blank) in expected.items():
        item = items[question_id]
        assert item.facility == pytest.approx(facility)
        assert item.discrimination == pytest.approx(discrimination)
        assert (item.option_counts, item.unanswered, item.attempts) == (counts, blank, 8)
    assert [item.question_id for item in analysis.flagged] == [q4.id]
    assert len(items[q4.id].flags) == 2
    assert analysis.items[0].question_id == q4.id  # flagged questions first


def test_item_analysis_page(client, trainer, analysed_quiz):
    quiz, (_, _, _, q4) = analysed_quiz
    html = client.get(f"/trainer/quizzes/{quiz.id}/analysis").data.decode()
    assert "基于 8 份已交答卷" in html and 'id="flagged-count">1<' in html
    assert "建议复核：难度过大" in html and "区分度为负" in html
    assert '<strong class="facility">0.12</strong>' in html or '<strong class="facility">0.13</strong>' in html
    assert '<strong class="discrimination">-0.50</strong>' in html


def test_item_analysis_without_attempts(client, trainer, build):
    quiz = build.quiz()
    assert item_analysis.analyze_quiz(quiz).items == []
    assert "还没有已交的答卷" in client.get(f"/trainer/quizzes/{quiz.id}/analysis").data.decode()


def test_results_table_unit_filter_and_detail(client, trainer, analysed_quiz):
    quiz, (q1, *_rest) = analysed_quiz
    html = client.get(f"/trainer/quizzes/{quiz.id}/results").data.decode()
    assert "答卷 8 份（已交 8），参与 8 人，平均分 1.6" in html
    assert html.count("data-attempt-id=") == 8 and "区图书馆" in html and "区博物馆" in html
    library = db.session.scalar(db.select(Unit.id).where(Unit.name == "区图书馆"))
    filtered = client.get(f"/trainer/quizzes/{quiz.id}/results?unit_id={library}").data.decode()
    assert filtered.count("data-attempt-id=") == 4 and "职工5" not in filtered
    attempt_id = int(filtered.split('data-attempt-id="')[1].split('"')[0])
    detail = client.get(f"/trainer/attempts/{attempt_id}").data.decode()
    assert detail.count("review-item") == 4 and "Q1？" in detail and "（所选）" in detail


def test_results_paging(client, trainer, build):
    quiz = build.quiz(max_attempts=None)
    unit = build.unit("区文化馆")
    for number in range(53):
        take(build, build.user(f"p{number}", unit=unit), quiz, {})
    first = client.get(f"/trainer/quizzes/{quiz.id}/results").data.decode()
    assert first.count("data-attempt-id=") == 50 and "共 53 条" in first
    assert client.get(f"/trainer/quizzes/{quiz.id}/results?page=2").data.decode().count("data-attempt-id=") == 3


def test_exports_are_utf8_bom_csv_and_xlsx_with_formulas_neutralized(client, trainer, build):
    quiz = build.quiz(title="=危险标题")
    hostile_unit = build.unit("-2+3 单位")
    users = [
        build.user("alice", display_name="=HYPERLINK(\"http://evil\")", unit=hostile_unit),
        build.user("@bob", display_name="+SUM(1)", unit=hostile_unit),
        build.user("carol", display_name="@cmd", unit=build.unit("正常单位")),
    ]
    for user in users:
        take(build, user, quiz, {})

    response = client.get(f"/trainer/quizzes/{quiz.id}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "姓名", "用户名", "单位"]
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'+SUM(1)" in cells and "'@cmd" in cells
    assert "'@bob" in cells and "'-2+3 单位" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)

    response = client.get(f"/trainer/quizzes/{quiz.id}/results.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "'=HYPERLINK(\"http://evil\")" in values and "'-2+3 单位" in values
    assert not any(isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in values)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]


def test_export_follows_the_unit_filter(client, trainer, analysed_quiz):
    quiz, _ = analysed_quiz
    library = db.session.scalar(db.select(Unit.id).where(Unit.name == "区图书馆"))
    response = client.get(f"/trainer/quizzes/{quiz.id}/results.csv?unit_id={library}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 5 and {row[3] for row in rows[1:]} == {"区图书馆"}


def test_in_progress_attempts_are_listed_without_a_score(client, trainer, build, web_login):
    quiz = build.quiz()
    attempts.start_attempt(build.user("slow"), quiz, T0)
    db.session.commit()
    with time_machine.travel(T0 + minutes(5), tick=False):
        web_login(trainer)
        html = client.get(f"/trainer/quizzes/{quiz.id}/results").data.decode()
        assert "答题中" in html
        assert "尚未提交" in client.get("/trainer/attempts/1").data.decode()
    with time_machine.travel(T0 + minutes(11), tick=False):  # the 10-minute deadline has passed
        web_login(trainer)
        assert "已超时，待自动交卷" in client.get(f"/trainer/quizzes/{quiz.id}/results").data.decode()
