"""The shipped bank (question_bank/data) meets its own 题库体检 thresholds (docs/trainer.md)."""

from __future__ import annotations

from collections import Counter

import pytest

from question_bank import load_builtin_bank
from question_bank.health import check_bank


@pytest.fixture(scope="module")
def bank():
    result = load_builtin_bank()
    assert result.errors == []
    return result.records


@pytest.fixture(scope="module")
def report(bank):
    return check_bank(bank)


def test_shipped_bank_passes_every_threshold(report):
    failed = [(check.label, check.value) for check in report.checks if not check.ok]
    assert failed == []
    assert all(check.judged for check in report.checks)
    assert report.ok


def test_shipped_bank_size_and_categories(bank):
    assert len(bank) >= 500
    per_category = Counter(record.category for record in bank)
    assert per_category["文旅行业安全"] >= 100
    assert {"安全生产法律法规", "消防安全", "疏散逃生", "应急救援与自救互救", "文旅行业安全", "专项作业安全"} <= set(per_category)


def test_shipped_bank_has_no_easy_cues(report):
    counts = report.warning_counts()
    assert counts.get("one_wrong_option", 0) == 0
    assert counts.get("negation_pair", 0) == 0
    assert counts.get("answer_imbalance", 0) == 0
    assert counts.get("difficulty_skew", 0) == 0
    figures = report.figures
    assert figures.length_cue <= 0.25 * figures.single_count


def test_shipped_bank_sources_are_current_and_citable(report, bank):
    counts = report.warning_counts()
    assert counts.get("superseded_edition", 0) == 0
    assert counts.get("missing_source", 0) == 0
    assert counts.get("missing_edition", 0) == 0
    # Every question names an article or clause it can be checked against.
    assert report.figures.with_article == len(bank)
    # A handful cite a standard whose clause numbering the bank does not rely on.
    assert counts.get("missing_article", 0) <= 5
    sources = " ".join(record.source for record in bank)
    assert "2020 AHA" not in sources and "应急管理部消防救援局" not in sources
    assert "GB 2894-2008" not in sources and "GB 12955-2008" not in sources
