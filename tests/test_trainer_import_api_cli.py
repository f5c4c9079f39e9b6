"""The question import through the API and the CLI: mapping, skip_invalid, the report of what was left out,
the remembered mapping and the duplicate key in the database (one pipeline with the web)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from question_bank import TEMPLATE_HEADERS, ColumnMapping, QuestionRecord, header_signature
from quiz.extensions import db
from quiz.models import AuditEntry, ImportMapping, PendingImport, Question
from quiz.services.questions import find_duplicates, import_question_records
from quiz.trainer.import_mappings import remember_mapping

from helpers import T0, xlsx_file
from import_helpers import OTHER_HEADER, OTHER_MAPPING, OTHER_TYPES, other_system_file, question_count

VALID = {"题型": "单选", "题干": "景区发生火灾时应当首先做什么？", "选项A": "报警", "选项B": "拍照", "选项C": "围观",
         "答案": "A", "分类": "消防安全"}
MAPPING_JSON = json.dumps({"columns": OTHER_MAPPING, "type_values": {"1": "单选", "2": "多选", "3": "判断", "4": "跳过"}},
                          ensure_ascii=False)


def row(**fields) -> list[str]:
    values = {**VALID, **fields}
    return [values.get(name, "") for name in TEMPLATE_HEADERS]


def mixed_file() -> bytes:
    """Two good rows, a bad answer (row 3), a 简答 (row 5) and an unknown difficulty (row 6)."""
    return xlsx_file([TEMPLATE_HEADERS, row(题干="好题一？"), row(题干="坏题？", 答案="F"), row(题干="好题二？"),
                      row(题型="简答", 题干="简述疏散流程。", 选项A="", 选项B="", 选项C="", 答案="略"),
                      row(题干="好题三？", 难度="超难")])


@pytest.fixture
def trainer_api(build, api):
    return api(build.user("trainer1", role="trainer"))


def post_file(client, token, url, data, filename="q.xlsx", **fields):
    return client.post(url, headers={"Authorization": f"Bearer {token}"},
                       data={"file": (io.BytesIO(data), filename), **fields})


# ---------------------------------------------------------------- one-shot import


def test_a_bad_file_stays_all_or_nothing(client, trainer_api):
    response = post_file(client, trainer_api.token, "/api/v1/questions/import", mixed_file())
    assert response.status_code == 422 and response.json["error"] == "invalid_file"
    assert response.json["errors"] == [{"row": 3, "column": "答案", "message": response.json["errors"][0]["message"]}]
    assert question_count() == 0


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(client, trainer_api):
    response = post_file(client, trainer_api.token, "/api/v1/questions/import", mixed_file(), skip_invalid="true")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["imported"] == 3 and body["skipped_duplicates"] == 0
    assert [(p["row"], p["column"]) for p in body["skipped_invalid"]] == [(3, "答案")]
    assert "F" in body["skipped_invalid"][0]["message"]
    assert body["skipped_unsupported"] == [{"row": 5, "type": "简答", "sheet": "Sheet"}]
    assert any(w["row"] == 6 and w["column"] == "难度" for w in body["warnings"])
    assert sorted(db.session.scalars(db.select(Question.stem))) == ["好题一？", "好题三？", "好题二？"]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "question.import")).one()
    assert entry.changes["skipped_invalid"] == 1

    again = post_file(client, trainer_api.token, "/api/v1/questions/import", mixed_file(), skip_invalid="true")
    assert again.json["imported"] == 0 and again.json["skipped_duplicates"] == 3


def test_skip_invalid_still_refuses_a_file_with_nothing_good(client, trainer_api):
    data = xlsx_file([TEMPLATE_HEADERS, row(题干="坏题一？", 答案="F"), row(题干="坏题二？", 答案="G")])
    response = post_file(client, trainer_api.token, "/api/v1/questions/import", data, skip_invalid="true")
    assert response.status_code == 422 and "没有可导入的题目" in response.json["message"]
    assert len(response.json["errors"]) == 2 and question_count() == 0


def test_a_mapping_reads_another_systems_layout(client, trainer_api):
    unmapped = post_file(client, trainer_api.token, "/api/v1/questions/import", other_system_file())
    assert unmapped.status_code == 422 and unmapped.json["reason"] == "missing_column"
    assert "找到的表头：编号、题目类别、内容" in unmapped.json["message"]
    assert unmapped.json["layout"]["headers_found"] == OTHER_HEADER
    assert unmapped.json["layout"]["missing_fields"] == ["题干", "答案"]

    mapped = post_file(client, trainer_api.token, "/api/v1/questions/import", other_system_file(),
                       mapping=MAPPING_JSON, skip_invalid="true")
    assert mapped.status_code == 201, mapped.json
    assert mapped.json["imported"] == 3
    assert [p["row"] for p in mapped.json["skipped_invalid"]] == [5]
    assert [s["row"] for s in mapped.json["skipped_unsupported"]] == [6]
    assert {q.type for q in db.session.scalars(db.select(Question))} == {"single", "multiple", "true_false"}
    assert db.session.scalar(db.select(db.func.count(ImportMapping.id))) == 0  # the API does not remember


@pytest.mark.parametrize("mapping, message", [
    ("{not json", "不是有效的 JSON"),
    ("[1, 2]", "必须是 JSON 对象"),
    ('{"columns": {"内容": "问题"}}', "字段“问题”不存在"),
    ('{"type_values": {"1": "问答"}}', "无效"),
    ('{"columns": {}, "extra": 1}', "无法识别"),
])
def test_a_bad_mapping_is_a_422_json_error(client, trainer_api, mapping, message):
    for url in ("/api/v1/questions/import", "/api/v1/questions/import/preview"):
        response = post_file(client, trainer_api.token, url, other_system_file(), mapping=mapping)
        assert response.status_code == 422, response.json
        assert response.json["error"] == "invalid_mapping" and message in response.json["message"]
    assert question_count() == 0 and db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0


def test_a_remembered_mapping_serves_the_api_too(client, trainer_api, build):
    remember_mapping(header_signature(OTHER_HEADER), OTHER_HEADER,
                     ColumnMapping(columns=OTHER_MAPPING, type_values=OTHER_TYPES), None, T0)
    db.session.commit()
    response = post_file(client, trainer_api.token, "/api/v1/questions/import/preview", other_system_file())
    assert response.status_code == 201, response.json
    assert response.json["mapping_source"] == "remembered" and response.json["new"] == 3


# ---------------------------------------------------------------- two steps


def test_preview_and_confirm_with_mapping_and_skip_invalid(client, trainer_api):
    preview = post_file(client, trainer_api.token, "/api/v1/questions/import/preview", other_system_file(),
                        mapping=MAPPING_JSON)
    assert preview.status_code == 201, preview.json
    body = preview.json
    assert (body["new"], body["problem_rows"], body["can_confirm"], body["can_skip_invalid"]) == (3, 1, False, True)
    assert body["mapping_source"] == "given" and body["unknown_columns"] == ["编号"]
    assert body["skipped_unsupported"] == [{"row": 6, "type": "4", "sheet": "Sheet"}]

    refused = trainer_api.post(f"/api/v1/questions/import/{body['token']}/confirm", json={})
    assert refused.status_code == 422 and question_count() == 0
    confirmed = trainer_api.post(f"/api/v1/questions/import/{body['token']}/confirm", json={"skip_invalid": True})
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["imported"] == 3 and [p["row"] for p in confirmed.json["skipped_invalid"]] == [5]
    assert question_count() == 3


def test_preview_lists_in_file_duplicates_and_warnings(client, trainer_api):
    data = xlsx_file([TEMPLATE_HEADERS, row(), row(), row(题干="另一题？", 难度="超难")])
    body = post_file(client, trainer_api.token, "/api/v1/questions/import/preview", data).json
    assert body["in_file_duplicates"] == [{"row": 3, "first_row": 2, "sheet": "Sheet"}]
    assert body["can_confirm"] is True and body["new"] == 2
    assert {w["row"] for w in body["warnings"]} == {3, 4}


# ---------------------------------------------------------------- the duplicate key in the database


def test_the_bank_duplicate_is_the_same_question_not_the_same_stem(app, build):
    generic = "以下说法中正确的是（ ）"
    first = build.question(stem=generic, options=["电梯可用于逃生", "灭火器应定期检查", "出口可以上锁"], correct=[1])
    same = QuestionRecord(row=2, type="single", stem=generic + " ", options=("出口可以上锁", "电梯可用于逃生", "灭火器应定期检查。"),
                          correct=(2,), explanation="", category="消防安全", difficulty=2, points=1, source="")
    other = replace(same, row=3, options=("用湿毛巾捂住口鼻", "乘电梯下楼"), correct=(0,))
    found = find_duplicates([same, other])
    assert list(found.values()) == [first]
    summary = import_question_records([same, other])
    assert (summary.imported, summary.skipped_duplicates) == (1, 1)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 2


# ---------------------------------------------------------------- CLI


def test_cli_skip_invalid_prints_every_problem_and_imports_the_rest(runner, tmp_path):
    path = tmp_path / "混合.xlsx"
    path.write_bytes(mixed_file())
    refused = runner.invoke(args=["import-questions", str(path)])
    assert refused.exit_code != 0 and "未导入任何题目" in refused.output and "--skip-invalid" in refused.output
    assert "混合.xlsx 第3行 答案" in refused.output and question_count() == 0

    result = runner.invoke(args=["import-questions", str(path), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "混合.xlsx 第3行 答案" in result.output and "第6行 提示" in result.output and "简答" in result.output
    assert result.output.strip().splitlines()[-1] == "导入 3 题，更新 0 题，跳过重复 0 题，跳过有问题的 1 行，跳过不支持的 1 题"
    assert question_count() == 3


def test_cli_mapping_as_json_or_file(runner, tmp_path):
    path = tmp_path / "其他系统.xlsx"
    path.write_bytes(other_system_file())
    unmapped = runner.invoke(args=["import-questions", str(path), "--skip-invalid"])
    assert unmapped.exit_code != 0 and "找到的表头：编号" in unmapped.output

    bad = runner.invoke(args=["import-questions", str(path), "--mapping", "{oops"])
    assert bad.exit_code != 0 and "不是有效的 JSON" in bad.output

    result = runner.invoke(args=["import-questions", str(path), "--skip-invalid", "--mapping", MAPPING_JSON])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("导入 3 题，")

    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(MAPPING_JSON, encoding="utf-8")
    again = runner.invoke(args=["import-questions", str(path), "--skip-invalid", "--mapping", str(mapping_file)])
    assert again.exit_code == 0 and "跳过重复 3 题" in again.output


def test_cli_writes_many_problems_to_a_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [TEMPLATE_HEADERS, row(题干="好题？"), *(row(题干=f"坏题{n}？", 答案="F") for n in range(60))]
    path = tmp_path / "很多问题.xlsx"
    path.write_bytes(xlsx_file(rows))
    result = runner.invoke(args=["import-questions", str(path), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob("导入问题-很多问题-*.txt"))
    assert len(written) == 1 and f"全部写在 {written[0].resolve()}" in result.output
    lines = written[0].read_text(encoding="utf-8").splitlines()
    assert len(lines) == 60 and lines[0].startswith("很多问题.xlsx 第3行 答案")
    assert sum("行 答案:" in line for line in result.output.splitlines()) == 10  # the first ten, then where the rest are
    assert result.output.strip().splitlines()[-1] == "导入 1 题，更新 0 题，跳过重复 0 题，跳过有问题的 60 行"

    chosen = tmp_path / "problems.txt"
    refused = runner.invoke(args=["import-questions", str(path), "--problems-file", str(chosen)])
    assert refused.exit_code != 0 and len(chosen.read_text(encoding="utf-8").splitlines()) == 60


def test_cli_reads_every_format_in_a_folder(runner, tmp_path):
    (tmp_path / "a.txt").write_text("1. 发现火情首先应当怎么做？\nA. 报警\nB. 拍照\n答案：A\n", encoding="utf-8")
    (tmp_path / "b.csv").write_bytes("题型,题干,答案\n判断,灭火器应当定期检查。,对\n".encode("gb18030"))
    (tmp_path / "notes.md").write_text("not read", encoding="utf-8")
    result = runner.invoke(args=["import-questions", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("导入 2 题，")


def test_one_shot_import_keeps_the_original_body_unless_asked_for_the_report(client, trainer_api):
    clean = xlsx_file([TEMPLATE_HEADERS, row(), row(题干="第二道：发现有人触电应当先做什么？")])
    plain = post_file(client, trainer_api.token, "/api/v1/questions/import", clean)
    assert plain.status_code == 201 and plain.json == {"imported": 2, "skipped_duplicates": 0}
    other = xlsx_file([TEMPLATE_HEADERS, row(题干="第三道：灭火器压力表指针应当在哪个区域？")])
    asked = post_file(client, trainer_api.token, "/api/v1/questions/import", other, skip_invalid="true")
    assert asked.json == {"imported": 1, "skipped_duplicates": 0, "skipped_invalid": [], "skipped_unsupported": [],
                          "warnings": []}
