"""题库体检 (question_bank.health): every check on hand-built examples."""

from __future__ import annotations

import json
import time

import pytest

from question_bank import QuestionRecord, health
from question_bank.health import (
    Citation,
    Edition,
    Thresholds,
    article_tokens,
    check_bank,
    citation_tags,
    citations,
    load_editions,
    parse_editions,
    questions_citing,
    similar_pairs,
)

LAW = "《中华人民共和国消防法》（2021年修正）第二十八条"
NO_EDITIONS: list[Edition] = []


def record(row: int = 2, **fields) -> QuestionRecord:
    values = {
        "type": "single",
        "stem": f"第{row}题的题干，内容各不相同：{'甲乙丙丁戊己庚辛'[row % 8]}{row}",
        "options": ("选项一", "选项二", "选项三", "选项四"),
        "correct": (0,),
        "explanation": "",
        "category": "消防安全",
        "difficulty": 2,
        "points": 1,
        "source": LAW,
        "file": "",
    }
    values.update(fields)
    return QuestionRecord(row=row, **values)


def codes(report, row: int, file: str = "") -> list[str]:
    return [warning.code for warning in report.warnings_for(row, file)]


# ---------------------------------------------------------------- per question


def test_length_cue_single_choice():
    cue = record(2, options=("发现火灾立即报警并组织人员疏散撤离", "等待", "拍照", "围观"), correct=(0,))
    close = record(3, options=("发现火灾立即报警", "先自行扑救再报警", "拍照上传后报警", "等领导同意后报警"))
    report = check_bank([cue, close], editions=NO_EDITIONS)
    assert "length_cue" in codes(report, 2)
    assert "length_cue" not in codes(report, 3)
    assert report.figures.longest_correct == 1 and report.figures.length_cue == 1


def test_length_cue_needs_the_documented_margin():
    # Longest by a few characters only: counted in the share, but no warning.
    slightly = record(2, options=("关闭阀门开窗通风", "打开排气扇", "开灯检查", "打电话报修"))
    report = check_bank([slightly], editions=NO_EDITIONS)
    assert report.figures.longest_correct == 1
    assert "length_cue" not in codes(report, 2)


def test_length_cue_multiple_choice():
    cue = record(2, type="multiple", options=("保持疏散通道和安全出口畅通无阻", "定期检查消防设施并做好记录", "锁门", "堆物"),
                 correct=(0, 1))
    fair = record(3, type="multiple", options=("保持疏散通道畅通", "定期检查消防设施", "营业时锁闭出口", "走道堆放杂物"),
                  correct=(0, 1))
    report = check_bank([cue, fair], editions=NO_EDITIONS)
    assert "length_cue" in codes(report, 2)
    assert "length_cue" not in codes(report, 3)


def test_multiple_choice_with_one_wrong_option():
    one = record(2, type="multiple", options=("甲项", "乙项", "丙项", "丁项", "戊项"), correct=(0, 1, 2, 3))
    two = record(3, type="multiple", options=("甲项", "乙项", "丙项", "丁项", "戊项", "己项"), correct=(0, 1, 2, 3))
    report = check_bank([one, two], editions=NO_EDITIONS)
    assert "one_wrong_option" in codes(report, 2)
    assert "one_wrong_option" not in codes(report, 3)
    assert report.figures.multiple_one_wrong == 1
    assert report.figures.multiple_correct_counts == {4: 2}


def test_near_duplicate_stems_are_found_and_grouped():
    first = record(2, stem="公众聚集场所在营业期间的防火巡查应当至少（　　）一次。", options=("每1小时", "每2小时", "每4小时", "每8小时"),
                   correct=(1,), file="a.csv")
    reworded = record(7, stem="营业期间，公众聚集场所的防火巡查至少应当（　　）进行一次。",
                      options=("每1小时", "每2小时", "每4小时", "每8小时"), correct=(1,), file="b.csv")
    other = record(3, stem="单人对成人实施心肺复苏时，胸外按压与人工呼吸的比例为（　　）。", options=("15:1", "15:2", "30:1", "30:2"),
                   correct=(3,), file="a.csv")
    report = check_bank([first, other, reworded], editions=NO_EDITIONS)
    assert "near_duplicate" in codes(report, 2, "a.csv")
    assert "near_duplicate" in codes(report, 7, "b.csv")
    assert "near_duplicate" not in codes(report, 3, "a.csv")
    warning = next(w for w in report.warnings_for(2, "a.csv") if w.code == "near_duplicate")
    assert warning.related == (("b.csv", 7),) and "b.csv第7行" in warning.message
    assert (report.figures.near_duplicate_groups, report.figures.near_duplicate_questions) == (1, 2)


def test_similar_pairs_prefilter_finds_edited_copies_among_many(monkeypatch):
    base = [f"第{i}条规定景区第{i * 7 % 97}号游览线路的安全要求包括设置护栏{i}和警示标志{i * 3}" for i in range(300)]
    texts = base + [text.replace("设置", "设立", 1) + "等" for text in base[:30]]
    found = {(a, b) for a, b, _ in similar_pairs(texts, 0.6)}
    assert all((i, 300 + i) in found for i in range(30))
    # The prefilter loses nothing here: comparing every pair gives the same result.
    monkeypatch.setattr(health, "NEAR_DUPLICATE_PROBES", 10**6)
    monkeypatch.setattr(health, "NEAR_DUPLICATE_MAX_DF", 10**6)
    assert {(a, b) for a, b, _ in similar_pairs(texts, 0.6)} == found
    assert similar_pairs(["短", "短"], 0.1) == []


def test_missing_source():
    report = check_bank([record(2, source="")], editions=NO_EDITIONS)
    assert codes(report, 2) == ["missing_source"]


def test_missing_article_and_edition():
    no_article = record(2, source="《中华人民共和国消防法》（2021年修正）")
    no_edition = record(3, source="《中华人民共和国消防法》第二十八条")
    popular_only = record(4, source="国家消防救援局 消防安全常识宣传")
    guide = record(5, source="《2025年美国心脏协会心肺复苏与心血管急救指南》成人基础生命支持部分")
    report = check_bank([no_article, no_edition, popular_only, guide], editions=NO_EDITIONS)
    assert codes(report, 2) == ["missing_article"]
    assert codes(report, 3) == ["missing_edition"]
    assert codes(report, 4) == ["missing_article"]
    assert codes(report, 5) == []
    assert report.figures.with_article == 2


def test_superseded_edition_from_the_project_table():
    old = record(2, source="GB 2894-2008《安全标志及其使用导则》第4.4条")
    both = record(3, source="GB 2894-2008《安全标志及其使用导则》第4.4条；GB 2894-2025《安全色和安全标志》前言")
    agency = record(4, source="《中华人民共和国消防法》（2021年修正）第四十四条；应急管理部消防救援局 消防安全常识宣传")
    law = record(5, source="《中华人民共和国安全生产法》（2014年修正）第二十五条")
    report = check_bank([old, both, agency, law])
    assert "superseded_edition" in codes(report, 2)
    assert "superseded_edition" not in codes(report, 3)
    assert "superseded_edition" in codes(report, 4)
    assert "superseded_edition" in codes(report, 5)
    message = next(w.message for w in report.warnings_for(2) if w.code == "superseded_edition")
    assert "GB 2894-2025" in message and "2026-03-01" in message


def test_superseded_clauses_only():
    repealed = record(2, source="GB 50140-2005《建筑灭火器配置设计规范》第6.1.1条")
    in_range = record(3, source="GB 50140-2005《建筑灭火器配置设计规范》第4.2.1条至第4.2.5条")
    still_valid = record(4, source="GB 50140-2005《建筑灭火器配置设计规范》第5.1.3条")
    with_current = record(5, source="GB 55036-2022《消防设施通用规范》第10章；GB 50140-2005《建筑灭火器配置设计规范》第6.1.1条")
    report = check_bank([repealed, in_range, still_valid, with_current])
    assert "superseded_edition" in codes(report, 2)
    assert "superseded_edition" in codes(report, 3)
    assert "superseded_edition" not in codes(report, 4)
    assert "superseded_edition" not in codes(report, 5)


def test_trainers_extend_the_editions_table():
    table = parse_editions("旧版本,现行版本,实施日期,说明\nLB/T 034-2014,LB/T 034-2030,2031-01-01,演示\n,,,\n")
    report = check_bank([record(2, source="LB/T 034-2014《景区最大承载量核定导则》第5章")], editions=table)
    assert codes(report, 2) == ["superseded_edition"]
    assert check_bank([record(2, source="LB/T 034-2014《景区最大承载量核定导则》第5章")], editions=NO_EDITIONS).warnings == []


def test_negation_pair():
    pair = record(2, options=("应当立即报警", "不应当立即报警", "先拍照再报警", "等待领导指示"))
    plain = record(3, options=("立即报警", "先扑救后报警", "先拍照再报警", "等待领导指示"))
    report = check_bank([pair, plain], editions=NO_EDITIONS)
    assert "negation_pair" in codes(report, 2)
    assert "negation_pair" not in codes(report, 3)


# ---------------------------------------------------------------- bank level


def bank(count: int, **fields) -> list[QuestionRecord]:
    return [record(row, **fields) for row in range(2, count + 2)]


def test_answer_letter_imbalance():
    all_a = check_bank(bank(24, options=("对应甲", "对应乙", "对应丙", "对应丁")), editions=NO_EDITIONS)
    assert any(w.code == "answer_imbalance" and w.row == 0 for w in all_a.warnings)
    spread = [record(row, options=("对应甲", "对应乙", "对应丙", "对应丁"), correct=(row % 4,)) for row in range(2, 26)]
    assert not any(w.code == "answer_imbalance" for w in check_bank(spread, editions=NO_EDITIONS).warnings)


def test_true_false_imbalance():
    tf = bank(24, type="true_false", options=("正确", "错误"), correct=(0,))
    assert any(w.code == "answer_imbalance" for w in check_bank(tf, editions=NO_EDITIONS).warnings)
    mixed = [record(row, type="true_false", options=("正确", "错误"), correct=(row % 2,)) for row in range(2, 26)]
    assert not any(w.code == "answer_imbalance" for w in check_bank(mixed, editions=NO_EDITIONS).warnings)


def test_difficulty_skew_and_thresholds():
    easy = bank(30, difficulty=1)
    report = check_bank(easy, editions=NO_EDITIONS)
    assert any(w.code == "difficulty_skew" for w in report.warnings)
    failed = {check.name for check in report.checks if not check.ok}
    assert {"difficulty_1", "difficulty_3"} <= failed and not report.ok
    varied = [record(row, difficulty=(row % 3) + 1, options=(f"正确{row}", "错误乙项", "错误丙项", "错误丁项"), correct=(row % 4,))
              for row in range(2, 32)]
    report = check_bank(varied, editions=NO_EDITIONS)
    assert not any(w.code == "difficulty_skew" for w in report.warnings)
    assert {"difficulty_1", "difficulty_3"} & {c.name for c in report.checks if not c.ok} == set()


def test_longest_option_and_multiple_spread_thresholds():
    longest = [record(row, options=(f"这是正确的较长选项{row}", "短项", "短项二", "短项三"), correct=(0,)) for row in range(2, 32)]
    report = check_bank(longest, editions=NO_EDITIONS)
    assert next(c for c in report.checks if c.name == "longest_correct").ok is False
    multi = [record(row, type="multiple", options=tuple(f"选项{i}" for i in range(6)), correct=(0, 1, 2, 3))
             for row in range(2, 32)]
    report = check_bank(multi, editions=NO_EDITIONS)
    by_name = {c.name: c for c in report.checks}
    assert not by_name["multiple_2"].ok and not by_name["multiple_3"].ok and by_name["multiple_4"].ok


def test_near_duplicate_share_threshold():
    same = [record(row, stem="景区接待旅游者的数量不得超过景区主管部门核定的最大承载量（　　）。") for row in range(2, 26)]
    report = check_bank(same, editions=NO_EDITIONS)
    assert next(c for c in report.checks if c.name == "near_duplicate").ok is False


def test_small_uploads_are_not_judged():
    report = check_bank(bank(5, difficulty=1, type="multiple", options=("甲", "乙", "丙"), correct=(0, 1)),
                        editions=NO_EDITIONS)
    assert report.ok and all(not check.judged for check in report.checks)
    assert not any(w.row == 0 for w in report.warnings)


def test_custom_thresholds():
    report = check_bank(bank(30, difficulty=2), editions=NO_EDITIONS, thresholds=Thresholds(difficulty3_min=0.0))
    assert next(c for c in report.checks if c.name == "difficulty_3").ok


# ---------------------------------------------------------------- citations and output


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("《中华人民共和国安全生产法》（2021年修正）第二十八条",
         [Citation("安全生产法", "2021年修正", "第二十八条")]),
        ("GB 50140-2005《建筑灭火器配置设计规范》第5.1.3条",
         [Citation("建筑灭火器配置设计规范", "2005", "第5.1.3条", "GB 50140")]),
        ("GB 50016-2014（2018年版）《建筑设计防火规范》第6.5.1条",
         [Citation("建筑设计防火规范", "2014（2018年版）", "第6.5.1条", "GB 50016")]),
        ("GB/T 4968-2008《火灾分类》第3章；《消防法》（2021年修正）第二条、第五条",
         [Citation("火灾分类", "2008", "第3章", "GB/T 4968"), Citation("消防法", "2021年修正", "第二条、第五条")]),
        ("《生产安全事故报告和调查处理条例》（国务院令第493号）第九条",
         [Citation("生产安全事故报告和调查处理条例", "国务院令第493号", "第九条")]),
        ("《狂犬病暴露预防处置工作规范（2023年版）》暴露分级部分",
         [Citation("狂犬病暴露预防处置工作规范(2023年版)", "2023年版", "暴露分级部分")]),
        ("国家消防救援局 消防安全常识宣传", []),
    ],
)
def test_citations(source, expected):
    assert citations(source) == expected


def test_version_tags_and_questions_citing():
    source = "《中华人民共和国安全生产法》（2021年修正）第二十八条；GB 2894-2025《安全色和安全标志》前言"
    assert citation_tags(source) == ["安全生产法（2021年修正）", "GB 2894-2025"]
    records = [
        record(2, source=source),
        record(3, source="《中华人民共和国安全生产法》（2014年修正）第二十五条"),
        record(4, source=LAW),
    ]
    assert [r.row for r in questions_citing(records, "《安全生产法》")] == [2, 3]
    assert [r.row for r in questions_citing(records, "《中华人民共和国安全生产法》（2014年修正）")] == [3]
    assert [r.row for r in questions_citing(records, "GB 2894")] == [2]
    assert [r.row for r in questions_citing(records, "消防法")] == [4]


def test_article_tokens():
    assert article_tokens("第4.2.1条至第4.2.3条、第6.1.1条") == {"4.2.1", "4.2.2", "4.2.3", "6.1.1"}
    assert article_tokens("第五十三条至第五十五条") == {"第53条", "第54条", "第55条"}
    assert article_tokens("第一百一十八条") == {"第118条"}


def test_editions_table():
    with pytest.raises(ValueError):
        parse_editions("旧,新\nGB 1-2000,GB 1-2020\n")
    shipped = load_editions()
    assert any(e.superseded == "GB 2894-2008" and e.current == "GB 2894-2025" for e in shipped)


def test_report_is_json_and_text():
    records = [record(2, source=""), record(3, options=("应当报警", "不应当报警", "拍照", "围观"))]
    report = check_bank(records, editions=NO_EDITIONS)
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["figures"]["total"] == 2 and data["warning_counts"]["missing_source"] == 1
    assert {w["code"] for w in data["warnings"]} == {"missing_source", "negation_pair"}
    text = report.summary_text()
    assert "题库体检：共 2 题" in text and "第2行" in text and "缺少出处" in text


def test_fast_enough_for_large_uploads():
    records = [
        record(row, stem=f"第{row}题：景区第{row % 37}号线路第{row % 11}处{'观景台栈道索道游船码头'[row % 10]}的安全要求是什么{row * 13}",
               options=(f"答案{row}", f"干扰{row % 7}", f"干扰{row % 5}项", f"干扰{row % 3}项目"), correct=(row % 4,),
               difficulty=row % 3 + 1)
        for row in range(2, 5002)
    ]
    started = time.process_time()
    report = check_bank(records)
    assert time.process_time() - started < 10
    assert report.figures.total == 5000
