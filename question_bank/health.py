"""题库体检: a health check for a question bank (pure Python, no Flask).

It looks for what makes a bank easy to game or out of date.  It never blocks
an import: every finding is a warning a trainer may accept, and the bank-level
thresholds only say whether the bank as a whole meets the project's targets.

Public interface
================

``check_bank(records, *, editions=None, thresholds=None) -> HealthReport``
    ``records`` are ``QuestionRecord`` objects: from ``parse_question_file``
    (an upload preview), ``load_builtin_bank`` (the shipped bank, ``file`` set)
    or built from database rows (put the question id in ``row``, leave
    ``file`` empty, so ``warnings_for(question.id)`` finds its warnings).
    ``editions`` is the superseded → current table (default:
    ``load_editions()``); ``thresholds`` the bank-level limits (default
    ``Thresholds()``).  About 0.4 ms per question: 20,000 questions in 6–9 s on
    the 2-core test machine (``bench/bank_health.py``).

``HealthReport``
    ``warnings``       ``HealthWarning(code, message, row, file, related)``, bank-level
                       ones (``row`` 0) first, then by file and row; ``related`` lists
                       the other ``(file, row)`` of a near-duplicate group.
    ``figures``        ``BankFigures``: counts per type and per category, the share of
                       单选 whose answer is the longest option, the 多选 correct-count
                       distribution, difficulty and points counts, near-duplicate
                       groups, answer letters, 判断 answers, citations per law/standard.
    ``checks``         ``ThresholdCheck`` per bank-level limit (value, limit, ok).
    ``ok``             every threshold met.
    ``warnings_for(row, file="")``, ``warning_counts()``
    ``to_dict()``      JSON-able (for the API and a trainer page);
    ``summary_text()`` plain Chinese text (for ``flask check-bank``).

Version tags — ``citations(source) -> list[Citation]``
    The law or standard a question rests on is read from its 出处, so no extra
    column can drift out of step with the source text.  ``Citation(title,
    edition, article, code)``; ``Citation.key`` names the law or standard
    without its edition ("安全生产法", "GB 2894"), ``Citation.tag`` with it
    ("安全生产法（2021年修正）", "GB 2894-2025").  ``citation_tags(source)`` lists
    the tags of a 出处; ``questions_citing(records, "GB 2894")`` (any edition) or
    ``questions_citing(records, "GB 2894-2008")`` (that edition) lists every
    question to review when a law or standard is revised.  ``article_tokens()``
    expands "第4.2.1条至第4.2.3条" into single clauses.

Editions table — ``load_editions(path=None)`` / ``parse_editions(text)``
    ``question_bank/data/editions/superseded.csv`` (columns 旧版本, 现行版本,
    实施日期, 说明; outside the folder the bank loader reads).  旧版本 is written
    like a 出处: "GB 2894-2008", "《中华人民共和国安全生产法》（2014年修正）", a
    clause list ("GB 50140-2005第6.1.1条": only those clauses are superseded), or
    plain text such as a former body's name ("应急管理部消防救援局").  A trainer
    extends it by adding a row; a page can pass extra ``Edition`` rows too.

Warnings (``HealthWarning.code``; Chinese label ``WARNING_LABELS[code]``)
=========================================================================

Per question:

* ``length_cue``: 单选 whose correct option is the longest and at least
  ``LENGTH_CUE_RATIO`` (1.3) times and ``LENGTH_CUE_MIN_EXTRA`` (4) characters
  longer than the longest wrong option; 多选 whose shortest correct option is
  that much longer than the longest wrong one (characters after NFKC, no
  whitespace).
* ``one_wrong_option``: 多选 with exactly one wrong option ("tick all but one").
* ``near_duplicate``: the same fact asked twice.  A question is reduced to its
  stem (blanks, punctuation, 《names》 and standard codes removed) plus its
  correct option texts; two questions are near-duplicates when the cosine
  similarity of their TF-IDF weighted character-bigram vectors is at least
  ``NEAR_DUPLICATE_THRESHOLD`` (0.45).  The weighting makes shared framing
  ("下列说法正确的有") count little and shared specifics count much.  Only
  questions sharing one of each other's ``NEAR_DUPLICATE_PROBES`` (16) rarest
  bigrams are compared (an inverted index; bigrams in more than 100 questions
  are not used), so the cost is not quadratic.  It
  finds reworded copies; the same fact asked in entirely different words is
  left to the trainer.
* ``missing_source``: empty 出处.
* ``missing_article``: a cited law, regulation or standard has no article or
  clause (第…条/款/项/章/节/篇/部分, 5.1.3, 附录A, 附件, 表1, 前言, “…部分”), or the
  出处 names nothing with an article at all.
* ``missing_edition``: a cited law, regulation or standard has no edition
  (revision year, order number, a standard's year, or a year in its title).
* ``superseded_edition``: the 出处 cites an edition, clause or name listed in
  the editions table and does not also cite its replacement.
* ``negation_pair``: two options differ only by a negation (不/未/无/非/没有/不得/
  禁止/严禁…), a cue that one of the two is the answer.

Bank-level (row 0): ``answer_imbalance`` (a 单选 answer letter outside 0.5–1.5
times its expected share, or 判断 "正确" outside 30–70 %), ``difficulty_skew``
and one ``threshold`` warning per failed threshold.

Thresholds (``Thresholds``; documented in docs/trainer.md)
==========================================================

* 单选 whose correct option is strictly the longest: at most 35 %.
* 多选 with 2, 3 and 4 correct options: each at least 20 %.
* difficulty 3 at least 20 %, difficulty 1 at most 40 %.
* questions that have a near-duplicate: under 5 %.

A share is only judged when its population has at least ``min_sample`` (20)
questions, so a small upload is not failed on chance.
"""

from __future__ import annotations

import csv
import functools
import heapq
import io
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .model import OPTION_LETTERS, QUESTION_TYPES, TRUE_FALSE_OPTIONS, QuestionRecord

EDITIONS_PATH = Path(__file__).resolve().parent / "data" / "editions" / "superseded.csv"

LENGTH_CUE_RATIO = 1.3
LENGTH_CUE_MIN_EXTRA = 4
NEAR_DUPLICATE_THRESHOLD = 0.45
#: Texts with fewer bigrams than this are too short to compare meaningfully.
NEAR_DUPLICATE_MIN_TOKENS = 4
#: A near-duplicate warning lists at most this many other members of its group.
NEAR_DUPLICATE_RELATED_MAX = 10
#: Each text is indexed under this many of its rarest bigrams (see ``similar_pairs``).
NEAR_DUPLICATE_PROBES = 16
#: Bigrams in more texts than this are never used to find candidates (they say too little).
NEAR_DUPLICATE_MAX_DF = 100

WARNING_LABELS: dict[str, str] = {
    "length_cue": "正确选项明显最长",
    "one_wrong_option": "多选题只有一个错误选项",
    "near_duplicate": "题目近似重复",
    "missing_source": "缺少出处",
    "missing_article": "出处缺少条款号",
    "missing_edition": "出处缺少版本",
    "superseded_edition": "引用了被替代的版本",
    "negation_pair": "选项仅差一个否定词",
    "answer_imbalance": "答案分布不均",
    "difficulty_skew": "难度分布偏斜",
    "threshold": "未达到题库指标",
}

_TYPE_ORDER = tuple(QUESTION_TYPES)


# ---------------------------------------------------------------- data types


@dataclass(frozen=True)
class Citation:
    """One law, regulation or standard cited in a 出处.

    ``title``: the name without 《》 and without the "中华人民共和国" prefix
    ("安全生产法"), or a standard's name ("建筑设计防火规范"; "" if not given).
    ``edition``: revision year, order number or a standard's year, as written
    without brackets ("2021年修正", "国务院令第493号", "2014（2018年版）").
    ``article``: the article or clause as written ("第二十八条", "5.1.3"; "").
    ``code``: a standard's code without its year ("GB 50016"; "" for laws).
    """

    title: str
    edition: str = ""
    article: str = ""
    code: str = ""

    @property
    def key(self) -> str:
        """The law or standard, independent of its edition."""
        return self.code or self.title

    @property
    def tag(self) -> str:
        """The law or standard with its edition: the version tag of a question."""
        if self.code:
            return f"{self.code}-{self.edition}" if self.edition else self.code
        return f"{self.title}（{self.edition}）" if self.edition else self.title

    @property
    def is_normative(self) -> bool:
        """True for a law, regulation, rule or standard (which must carry an article)."""
        return bool(self.code) or _TRAILING_BRACKET_RE.sub("", self.title).endswith(_NORMATIVE_SUFFIXES)


@dataclass(frozen=True)
class Edition:
    """One row of the editions table: ``superseded`` is replaced by ``current``."""

    superseded: str
    current: str
    effective: str = ""
    note: str = ""


@dataclass(frozen=True)
class HealthWarning:
    """One finding. ``row`` 0 is about the bank as a whole."""

    code: str
    message: str
    row: int = 0
    file: str = ""
    related: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        return WARNING_LABELS.get(self.code, self.code)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "message": self.message,
            "row": self.row,
            "file": self.file,
            "related": [{"file": file, "row": row} for file, row in self.related],
        }


@dataclass(frozen=True)
class Thresholds:
    """Bank-level limits (shares are fractions, 0.35 = 35 %)."""

    longest_correct_max: float = 0.35
    multiple_count_min: float = 0.20
    multiple_counts: tuple[int, ...] = (2, 3, 4)
    difficulty3_min: float = 0.20
    difficulty1_max: float = 0.40
    near_duplicate_max: float = 0.05
    #: Shares are only judged over at least this many questions.
    min_sample: int = 20


@dataclass(frozen=True)
class ThresholdCheck:
    """One bank-level limit and how the bank fares against it."""

    name: str
    label: str
    value: float | None
    limit: float
    comparison: str  # "<=", ">=" or "<"
    sample: int
    ok: bool

    @property
    def judged(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "value": None if self.value is None else round(self.value, 4),
            "limit": self.limit,
            "comparison": self.comparison,
            "sample": self.sample,
            "ok": self.ok,
        }


@dataclass
class BankFigures:
    """Counts and shares over the whole bank."""

    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    single_count: int = 0
    #: 单选 whose correct option is strictly the longest, and the share of them.
    longest_correct: int = 0
    length_cue: int = 0
    multiple_correct_counts: dict[int, int] = field(default_factory=dict)
    multiple_one_wrong: int = 0
    difficulty: dict[int, int] = field(default_factory=dict)
    points: dict[int, int] = field(default_factory=dict)
    near_duplicate_groups: int = 0
    near_duplicate_questions: int = 0
    single_answer_letters: dict[str, int] = field(default_factory=dict)
    true_false_answers: dict[str, int] = field(default_factory=dict)
    with_article: int = 0
    citations: dict[str, int] = field(default_factory=dict)

    def share(self, part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def longest_correct_share(self) -> float | None:
        return self.share(self.longest_correct, self.single_count)

    @property
    def near_duplicate_share(self) -> float | None:
        return self.share(self.near_duplicate_questions, self.total)

    @property
    def multiple_count(self) -> int:
        return sum(self.multiple_correct_counts.values())

    def multiple_count_share(self, count: int) -> float | None:
        return self.share(self.multiple_correct_counts.get(count, 0), self.multiple_count)

    def difficulty_share(self, level: int) -> float | None:
        return self.share(self.difficulty.get(level, 0), self.total)

    def to_dict(self) -> dict:
        def pct(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "total": self.total,
            "by_type": {QUESTION_TYPES[t]: self.by_type.get(t, 0) for t in _TYPE_ORDER},
            "by_category": {
                category: {QUESTION_TYPES[t]: counts.get(t, 0) for t in _TYPE_ORDER}
                for category, counts in self.by_category.items()
            },
            "single_count": self.single_count,
            "longest_correct": self.longest_correct,
            "longest_correct_share": pct(self.longest_correct_share),
            "length_cue": self.length_cue,
            "multiple_correct_counts": {str(k): v for k, v in sorted(self.multiple_correct_counts.items())},
            "multiple_correct_shares": {
                str(k): pct(self.multiple_count_share(k)) for k in sorted(self.multiple_correct_counts)
            },
            "multiple_one_wrong": self.multiple_one_wrong,
            "difficulty": {str(k): self.difficulty.get(k, 0) for k in (1, 2, 3)},
            "difficulty_shares": {str(k): pct(self.difficulty_share(k)) for k in (1, 2, 3)},
            "points": {str(k): v for k, v in sorted(self.points.items())},
            "near_duplicate_groups": self.near_duplicate_groups,
            "near_duplicate_questions": self.near_duplicate_questions,
            "near_duplicate_share": pct(self.near_duplicate_share),
            "single_answer_letters": dict(sorted(self.single_answer_letters.items())),
            "true_false_answers": dict(self.true_false_answers),
            "with_article": self.with_article,
            "with_article_share": pct(self.share(self.with_article, self.total)),
            "citations": dict(sorted(self.citations.items(), key=lambda item: (-item[1], item[0]))),
        }


@dataclass
class HealthReport:
    """Everything ``check_bank`` found."""

    warnings: list[HealthWarning]
    figures: BankFigures
    checks: list[ThresholdCheck]

    @property
    def ok(self) -> bool:
        """True when every bank-level threshold is met (warnings never block)."""
        return all(check.ok for check in self.checks)

    def warning_counts(self) -> dict[str, int]:
        counts = Counter(warning.code for warning in self.warnings)
        return {code: counts[code] for code in WARNING_LABELS if counts[code]}

    def warnings_for(self, row: int, file: str = "") -> list[HealthWarning]:
        """The warnings of one question (by its row, or database id, and file)."""
        return [w for w in self.warnings if w.row == row and w.file == file and row]

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "figures": self.figures.to_dict(),
            "checks": [check.to_dict() for check in self.checks],
            "warning_counts": self.warning_counts(),
            "warnings": [warning.to_dict() for warning in self.warnings],
        }

    def summary_text(self, *, max_warnings: int | None = 50,
                     location: Callable[[HealthWarning], str] | None = None) -> str:
        """A plain-text report (Chinese) for the CLI and logs; ``location`` names where a warning
        is (default "文件第n行"; the database bank says "题号 n")."""
        return "\n".join(_summary_lines(self, max_warnings, location or _row_location))


# ---------------------------------------------------------------- citations

_NORMATIVE_SUFFIXES = (
    "法", "条例", "规定", "办法", "规则", "规范", "标准", "导则", "细则", "目录",
    "指南", "通则", "规程", "要求", "决定", "通知", "意见", "纲要", "判定方法",
)

#: "（试行）", "（2023年版）" at the end of a title.
_TRAILING_BRACKET_RE = re.compile(r"[(（][^()（）]*[)）]$")
_STANDARD_PREFIXES = (
    r"GB/T|GB/Z|GB|XF/T|XF|GA/T|GA|LB/T|LB|WS/T|WS|AQ/T|AQ|JGJ/T|JGJ|CJJ/T|CJJ|TSG|JT/T|JT|"
    r"SL|DL/T|DB\d{2}/T|DB\d{2}|T/[A-Z]{2,8}"
)
_STANDARD_RE = re.compile(
    rf"(?<![A-Za-z])({_STANDARD_PREFIXES})\s*([A-Z]?\d+(?:\.\d+)*)"
    r"(?:\s*[-—–]\s*(\d{4}))?\s*(?:[（(]\s*(\d{4}年版)\s*[）)])?"
)
_TITLE_RE = re.compile(r"《([^《》]{1,80})》")
_EDITION_AFTER_TITLE_RE = re.compile(r"^\s*[（(]([^（）()]{1,40})[）)]")
_CN_NUMERAL = "一二三四五六七八九十百千零〇两"
_ARTICLE_RE = re.compile(
    rf"第[{_CN_NUMERAL}\d]+(?:\.\d+)*[条款项章节篇]|第[{_CN_NUMERAL}\d]+部分"
    r"|(?<![\d.])\d+(?:\.\d+){1,3}(?![\d.])"
    r"|附录\s*[A-Z]|附件\s*\d*|表\s*[A-Z]?\d+(?:\.\d+)*|前言"
    r"|[\u4e00-\u9fffA-Za-z]{2,24}部分"
)
_DOTTED_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)+(?![\d.])")
_RANGE_WORD_RE = re.compile(r"至|～|~|—|–")
#: An article, or a range of clauses such as "第4.2.1条至第4.2.5条".
_ARTICLE_SPAN_RE = re.compile(
    rf"(?:第?\d+(?:\.\d+)+条?\s*(?:至|～|~|—|–)\s*第?\d+(?:\.\d+)+条?)"
    rf"|(?:第[{_CN_NUMERAL}\d]+条\s*(?:至|～|~|—|–)\s*第[{_CN_NUMERAL}\d]+条)"
    rf"|(?:{_ARTICLE_RE.pattern})"
)
_CN_ARTICLE_RE = re.compile(rf"第([{_CN_NUMERAL}\d]+)条")
#: A year in a title ("2025年…指南", "…规范（2023年版）") serves as its edition.
_TITLE_YEAR_RE = re.compile(r"(?:19|20)\d{2}年(?:版)?")
_EDITION_HINT_RE = re.compile(r"\d{4}|令第|第\d+号|〔\d{4}〕|\[\d{4}\]")
_SEGMENT_SPLIT_RE = re.compile(r"[；;。\n]")
_PRC_PREFIX = "中华人民共和国"


def citations(source: str) -> list[Citation]:
    """The laws, regulations and standards cited in a 出处, in order (see ``_citations``)."""
    return list(_citations(source or ""))


@functools.lru_cache(maxsize=8192)
def _citations(source: str) -> tuple[Citation, ...]:
    """The laws, regulations and standards cited in a 出处, in order.

    A 出处 is split at 「；」; in each part every 《title》 and every standard
    code (GB 2894-2025, GB/T 4968-2008, LB/T 034-2014…) is a citation, a code
    written next to a title ("GB 50140-2005《建筑灭火器配置设计规范》") being one.
    The text after a citation up to the next one holds its edition (a bracket
    right after the title) and its article.
    """
    found: list[Citation] = []
    for segment in _SEGMENT_SPLIT_RE.split(unicodedata.normalize("NFKC", source)):
        found.extend(_segment_citations(segment))
    return tuple(found)


def citation_tags(source: str) -> list[str]:
    """The version tags of a 出处 ("安全生产法（2021年修正）", "GB 2894-2025"), unique, in order."""
    return list(dict.fromkeys(citation.tag for citation in citations(source)))


def questions_citing(records: Iterable[QuestionRecord], reference: str) -> list[QuestionRecord]:
    """Every record whose 出处 cites ``reference`` (a law or standard, with or without edition).

    ``reference`` is parsed like a 出处: "GB 2894" or "《安全生产法》" match every
    edition, "GB 2894-2008" or "《安全生产法》（2014年修正）" only that one.
    """
    wanted = citations(reference)
    if not wanted:
        wanted = [Citation(title=_short_title(reference.strip().strip("《》")))]
    return [record for record in records if any(_cites(record.source, w) for w in wanted)]


def _cites(source: str, wanted: Citation) -> bool:
    for citation in citations(source):
        if citation.key == wanted.key and (not wanted.edition or _same_edition(citation, wanted)):
            return True
    return False


def _same_edition(cited: Citation, wanted: Citation) -> bool:
    """Same edition; "2014" also matches "2014（2018年版）" (a standard's amended reprint)."""
    have, want = _compact(cited.edition), _compact(wanted.edition)
    return have == want or (bool(want) and have.startswith(want) and have[len(want):].startswith("("))


def _segment_citations(segment: str) -> list[Citation]:
    spans: list[tuple[int, int, str, str]] = []  # start, end, kind, payload
    for match in _TITLE_RE.finditer(segment):
        spans.append((match.start(), match.end(), "title", match.group(1)))
    for match in _STANDARD_RE.finditer(segment):
        if any(start <= match.start() < end for start, end, kind, _ in spans if kind == "title"):
            continue  # a code quoted inside a title
        spans.append((match.start(), match.end(), "code", match.group(0)))
    spans.sort()
    # Merge a code and a title that stand next to each other into one citation.
    merged: list[dict] = []
    for start, end, kind, payload in spans:
        previous = merged[-1] if merged else None
        between = segment[previous["end"]:start] if previous else ""
        if previous and kind not in previous and not between.strip() and not previous.get("edition_text"):
            previous[kind] = payload
            previous["end"] = end
            continue
        merged.append({"start": start, "end": end, kind: payload})
    result = []
    for index, item in enumerate(merged):
        tail_end = merged[index + 1]["start"] if index + 1 < len(merged) else len(segment)
        tail = segment[item["end"]:tail_end]
        result.append(_make_citation(item, tail))
    return result


def _make_citation(item: dict, tail: str) -> Citation:
    title = _short_title(item.get("title", ""))
    edition = ""
    code = ""
    if "code" in item:
        match = _STANDARD_RE.match(item["code"])
        code = f"{match.group(1)} {match.group(2)}"
        edition = match.group(3) or ""
        if match.group(4):
            edition = f"{edition}（{match.group(4)}）" if edition else match.group(4)
    bracket = _EDITION_AFTER_TITLE_RE.match(tail)
    if bracket and _EDITION_HINT_RE.search(bracket.group(1)):
        extra = bracket.group(1).strip()
        edition = f"{edition}（{extra}）" if edition and extra not in edition else (edition or extra)
        tail = tail[bracket.end():]
    if not edition:
        year = _TITLE_YEAR_RE.search(title)
        edition = year.group(0) if year else ""
    articles = [m.group(0) for m in _ARTICLE_SPAN_RE.finditer(tail)]
    return Citation(title=title, edition=edition, article="、".join(articles), code=code)


@functools.lru_cache(maxsize=8192)
def article_tokens(article: str) -> frozenset[str]:
    """The single articles or clauses named in an article string, ranges expanded.

    "第4.2.1条至第4.2.3条" gives {"4.2.1", "4.2.2", "4.2.3"}; "第二十五条、第二十六条"
    gives {"第二十五条", "第二十六条"}.  Used to match clause-specific rows of the
    editions table.
    """
    tokens: set[str] = set()
    for match in _ARTICLE_SPAN_RE.finditer(unicodedata.normalize("NFKC", article or "")):
        text = match.group(0)
        numbers = _DOTTED_RE.findall(text)
        if len(numbers) == 2 and _RANGE_WORD_RE.search(text):
            first, last = numbers
            head, _, start = first.rpartition(".")
            head2, _, end = last.rpartition(".")
            if head == head2 and start.isdigit() and end.isdigit() and int(start) <= int(end) <= int(start) + 50:
                tokens.update(f"{head}.{n}" if head else str(n) for n in range(int(start), int(end) + 1))
                continue
        if numbers:
            tokens.update(numbers)
            continue
        chinese = [_chinese_number(n) for n in _CN_ARTICLE_RE.findall(text)]
        if len(chinese) == 2 and None not in chinese and _RANGE_WORD_RE.search(text) and chinese[0] <= chinese[1]:
            tokens.update(f"第{n}条" for n in range(chinese[0], min(chinese[1], chinese[0] + 50) + 1))
        elif len(chinese) == 1 and chinese[0] is not None:
            tokens.add(f"第{chinese[0]}条")
        else:
            tokens.add(re.sub(r"\s", "", text))
    return frozenset(tokens)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _chinese_number(text: str) -> int | None:
    """"一百一十八" -> 118, "二十八" -> 28, "28" -> 28; None if it is not a number."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _short_title(title: str) -> str:
    title = title.strip()
    if title.startswith(_PRC_PREFIX) and len(title) > len(_PRC_PREFIX):
        title = title[len(_PRC_PREFIX):]
    return title


def _compact(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\s()（）《》]", "", text)


# ---------------------------------------------------------------- editions table

EDITION_HEADERS = ("旧版本", "现行版本", "实施日期", "说明")


def parse_editions(text: str) -> list[Edition]:
    """Read the editions table from CSV text (header 旧版本, 现行版本, 实施日期, 说明).

    Blank rows and rows without both a superseded and a current edition are skipped.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [row for row in reader]
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    positions = {name: header.index(name) for name in EDITION_HEADERS if name in header}
    if "旧版本" not in positions or "现行版本" not in positions:
        raise ValueError("版本替代表缺少“旧版本”或“现行版本”列")

    def cell(row: Sequence[str], name: str) -> str:
        index = positions.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    editions = []
    for row in rows[1:]:
        superseded, current = cell(row, "旧版本"), cell(row, "现行版本")
        if superseded and current:
            editions.append(Edition(superseded, current, cell(row, "实施日期"), cell(row, "说明")))
    return editions


def load_editions(path: Path | str | None = None) -> list[Edition]:
    """The editions table from ``path`` (default: question_bank/data/editions/superseded.csv)."""
    path = EDITIONS_PATH if path is None else Path(path)
    return parse_editions(path.read_text(encoding="utf-8-sig"))


class _EditionMatcher:
    """Finds superseded editions in a 出处: by citation (key + edition) or by plain text."""

    def __init__(self, editions: Sequence[Edition]) -> None:
        self.by_citation: list[tuple[Citation, Edition]] = []
        self.by_text: list[tuple[str, Edition]] = []
        self.current: dict[Edition, list[Citation]] = {}
        for edition in editions:
            self.current[edition] = citations(edition.current)
            parsed = citations(edition.superseded)
            if parsed and all(c.edition for c in parsed):
                self.by_citation.extend((c, edition) for c in parsed)
            else:
                self.by_text.append((_compact(edition.superseded), edition))

    def superseded_in(self, source: str, cited: Sequence[Citation]) -> list[Edition]:
        hits: list[Edition] = []
        for old, edition in self.by_citation:
            wanted = article_tokens(old.article)
            for c in cited:
                if c.key == old.key and _same_edition(c, old) and (not wanted or wanted & article_tokens(c.article)):
                    hits.append(edition)
                    break
        compact = _compact(source)
        for text, edition in self.by_text:
            if text and text in compact:
                hits.append(edition)
        return [e for e in dict.fromkeys(hits) if not self._cites_current(e, source, cited)]

    def _cites_current(self, edition: Edition, source: str, cited: Sequence[Citation]) -> bool:
        current = self.current[edition]
        if current:
            return all(
                any(c.key == new.key and (not new.edition or _same_edition(c, new)) for c in cited)
                for new in current
            )
        return _compact(edition.current) in _compact(source)


# ---------------------------------------------------------------- the check


def check_bank(
    records: Iterable[QuestionRecord],
    *,
    editions: Sequence[Edition] | None = None,
    thresholds: Thresholds | None = None,
) -> HealthReport:
    """Check every question and the bank as a whole; see the module docstring."""
    records = list(records)
    thresholds = thresholds or Thresholds()
    matcher = _EditionMatcher(load_editions() if editions is None else editions)
    figures = BankFigures(total=len(records))
    warnings: list[HealthWarning] = []
    for record in records:
        cited = citations(record.source)
        _count(record, cited, figures)
        warnings.extend(_question_warnings(record, cited, figures, matcher))
    warnings.extend(_near_duplicate_warnings(records, figures))
    warnings.sort(key=lambda w: (w.file, w.row, list(WARNING_LABELS).index(w.code)))
    bank_warnings = _balance_warnings(figures, thresholds)
    checks = _threshold_checks(figures, thresholds)
    bank_warnings.extend(
        HealthWarning("threshold", f"{check.label}为{_pct(check.value)}，要求{check.comparison}{_pct(check.limit)}")
        for check in checks
        if not check.ok
    )
    return HealthReport(warnings=bank_warnings + warnings, figures=figures, checks=checks)


def _count(record: QuestionRecord, cited: list[Citation], figures: BankFigures) -> None:
    figures.by_type[record.type] = figures.by_type.get(record.type, 0) + 1
    per_category = figures.by_category.setdefault(record.category, {})
    per_category[record.type] = per_category.get(record.type, 0) + 1
    figures.difficulty[record.difficulty] = figures.difficulty.get(record.difficulty, 0) + 1
    figures.points[record.points] = figures.points.get(record.points, 0) + 1
    if record.type == "single" and record.correct:
        figures.single_count += 1
        letter = OPTION_LETTERS[record.correct[0]]
        figures.single_answer_letters[letter] = figures.single_answer_letters.get(letter, 0) + 1
        lengths = [_length(option) for option in record.options]
        right = lengths[record.correct[0]]
        if all(right > length for index, length in enumerate(lengths) if index != record.correct[0]):
            figures.longest_correct += 1
    elif record.type == "multiple":
        count = len(record.correct)
        figures.multiple_correct_counts[count] = figures.multiple_correct_counts.get(count, 0) + 1
    elif record.type == "true_false" and record.correct:
        answer = TRUE_FALSE_OPTIONS[record.correct[0]]
        figures.true_false_answers[answer] = figures.true_false_answers.get(answer, 0) + 1
    if any(c.article for c in cited):
        figures.with_article += 1
    for tag in dict.fromkeys(c.key for c in cited):
        figures.citations[tag] = figures.citations.get(tag, 0) + 1


def _question_warnings(
    record: QuestionRecord, cited: list[Citation], figures: BankFigures, matcher: _EditionMatcher
) -> list[HealthWarning]:
    found: list[tuple[str, str]] = []
    if record.type in ("single", "multiple"):
        cue = _length_cue(record)
        if cue:
            figures.length_cue += 1
            found.append(("length_cue", cue))
        pair = _negation_pair(record.options)
        if pair:
            a, b = pair
            found.append(("negation_pair", f"选项{OPTION_LETTERS[a]}与选项{OPTION_LETTERS[b]}只差一个否定词"))
    if record.type == "multiple" and len(record.options) - len(record.correct) == 1:
        figures.multiple_one_wrong += 1
        found.append(("one_wrong_option", f"{len(record.options)}个选项中只有1个错误选项，考生容易“排除一个”得分"))
    found.extend(_source_findings(record.source, cited, matcher))
    return [HealthWarning(code, message, record.row, record.file) for code, message in found]


def _length(text: str) -> int:
    return len(re.sub(r"\s", "", unicodedata.normalize("NFKC", text)))


def _is_cue(long: int, short: int) -> bool:
    return long >= short * LENGTH_CUE_RATIO and long - short >= LENGTH_CUE_MIN_EXTRA


def _length_cue(record: QuestionRecord) -> str:
    lengths = [_length(option) for option in record.options]
    wrong = [length for index, length in enumerate(lengths) if index not in record.correct]
    right = [lengths[index] for index in record.correct]
    if not wrong or not right:
        return ""
    if record.type == "single" and _is_cue(right[0], max(wrong)):
        letter = OPTION_LETTERS[record.correct[0]]
        return f"正确选项{letter}（{right[0]}字）明显长于其他选项（最长{max(wrong)}字）"
    if record.type == "multiple" and _is_cue(min(right), max(wrong)):
        return f"正确选项都明显长于错误选项（正确选项最短{min(right)}字，错误选项最长{max(wrong)}字）"
    return ""


_NEGATION_RE = re.compile(r"没有|禁止|严禁|[不未无非勿]")


def _negation_pair(options: Sequence[str]) -> tuple[int, int] | None:
    compact = [_compact_text(option) for option in options]
    stripped = [_NEGATION_RE.sub("", text) for text in compact]
    for a in range(len(options)):
        for b in range(a + 1, len(options)):
            if compact[a] != compact[b] and stripped[a] == stripped[b] and stripped[a]:
                return a, b
    return None


_NON_WORD_RE = re.compile(r"[\W_]+")


def _compact_text(text: str) -> str:
    """NFKC, casefolded, without whitespace, punctuation and symbols."""
    return _NON_WORD_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _source_findings(source: str, cited: list[Citation], matcher: _EditionMatcher) -> list[tuple[str, str]]:
    if not source.strip():
        return [("missing_source", "出处为空，请注明依据的法规或标准及条款")]
    found: list[tuple[str, str]] = []
    normative = [c for c in cited if c.is_normative]
    no_article = [c for c in normative if not c.article]
    if not any(c.article for c in cited):
        found.append(("missing_article", "出处没有可核对的法规、标准条款号"))
    elif no_article:
        names = "、".join(_display(c) for c in no_article)
        found.append(("missing_article", f"{names}未注明条款号"))
    no_edition = [c for c in normative if not c.edition]
    if no_edition:
        names = "、".join(_display(c) for c in no_edition)
        found.append(("missing_edition", f"{names}未注明版本（年份、修正年份或令号）"))
    for edition in matcher.superseded_in(source, cited):
        since = f"（{edition.effective}起）" if edition.effective else ""
        note = f"；{edition.note}" if edition.note else ""
        found.append(("superseded_edition", f"“{edition.superseded}”已由“{edition.current}”替代{since}{note}"))
    return found


def _display(citation: Citation) -> str:
    if citation.code:
        return citation.tag
    return f"《{citation.title}》"


# ---------------------------------------------------------------- near-duplicates

_BOOK_TITLE_RE = re.compile(r"《[^《》]*》")
_BLANK_RE = re.compile(r"[（(][\s\u3000_]*[）)]|_{2,}")


def fact_text(record: QuestionRecord) -> str:
    """What a question asks, for near-duplicate detection: stem plus correct option texts."""
    stem = _STANDARD_RE.sub("", _BLANK_RE.sub("", _BOOK_TITLE_RE.sub("", record.stem)))
    if record.type == "true_false":
        return _compact_text(stem)
    answers = "".join(record.options[index] for index in record.correct if index < len(record.options))
    return _compact_text(stem + answers)


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


def similar_pairs(texts: Sequence[str], threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[tuple[int, int, float]]:
    """Index pairs whose TF-IDF weighted character-bigram cosine similarity is at least ``threshold``.

    A bigram's weight is ln((N+1)/(df+1)) + 1 over the N texts (smoothed
    IDF, so that two copies in a tiny upload still weigh), which makes the
    framing every question shares ("下列", "应当", "正确的") count for little
    and the words that carry the fact count for much.

    Prefilter: each text is indexed under its ``NEAR_DUPLICATE_PROBES`` rarest
    bigrams, leaving out bigrams found in more than ``NEAR_DUPLICATE_MAX_DF``
    texts, and only texts that share such a probe are compared.  The cost is
    thus bounded by N × probes × MAX_DF comparisons instead of N².  Two texts
    close enough to reach the threshold share most of their bigrams, the
    rarest among them; texts made only of common bigrams (a template repeated
    with different numbers) are not compared.
    """
    grams = [_bigrams(text) for text in texts]
    count = len(grams)
    frequency = Counter(gram for bag in grams for gram in bag)
    # Number every bigram by rarity, so a text becomes a set of small ints whose
    # smallest members are its rarest bigrams.
    order = sorted(frequency, key=lambda gram: (frequency[gram], gram))
    number = {gram: position for position, gram in enumerate(order)}
    squared = [(math.log((count + 1) / (frequency[gram] + 1)) + 1) ** 2 for gram in order]
    common = next((i for i, gram in enumerate(order) if frequency[gram] > NEAR_DUPLICATE_MAX_DF), len(order))
    sets = [frozenset(number[gram] for gram in bag) for bag in grams]
    norms = [math.sqrt(sum(squared[g] for g in ids)) for ids in sets]
    index: dict[int, list[int]] = defaultdict(list)
    pairs: list[tuple[int, int, float]] = []
    for x, ids in enumerate(sets):
        if len(ids) < NEAR_DUPLICATE_MIN_TOKENS or not norms[x]:
            continue
        probes = [g for g in heapq.nsmallest(NEAR_DUPLICATE_PROBES, ids) if g < common]
        candidates = {y for gram in probes for y in index[gram]}
        for y in candidates:
            dot = sum(squared[g] for g in ids & sets[y])
            similarity = dot / (norms[x] * norms[y])
            if similarity >= threshold:
                pairs.append((y, x, similarity))
        for gram in probes:
            index[gram].append(x)
    return sorted(pairs)


def _near_duplicate_warnings(records: Sequence[QuestionRecord], figures: BankFigures) -> list[HealthWarning]:
    pairs = similar_pairs([fact_text(record) for record in records])
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    best: dict[int, tuple[float, int]] = {}
    for a, b, similarity in pairs:
        parent[find(a)] = find(b)
        for one, other in ((a, b), (b, a)):
            if similarity > best.get(one, (0.0, -1))[0]:
                best[one] = (similarity, other)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in best:
        groups[find(i)].append(i)
    figures.near_duplicate_groups = len(groups)
    figures.near_duplicate_questions = sum(len(members) for members in groups.values())
    warnings = []
    for members in groups.values():
        members.sort()
        shown = members[: NEAR_DUPLICATE_RELATED_MAX + 1]
        for i in members:
            similarity, other = best[i]
            record, twin = records[i], records[other]
            where = f"{twin.file}第{twin.row}行" if twin.file else f"第{twin.row}行"
            related = tuple((records[j].file, records[j].row) for j in shown if j != i)[:NEAR_DUPLICATE_RELATED_MAX]
            message = f"与{where}近似重复（相似度{similarity:.0%}）"
            warnings.append(HealthWarning("near_duplicate", message, record.row, record.file, related))
    return warnings


# ---------------------------------------------------------------- bank level


def _balance_warnings(figures: BankFigures, thresholds: Thresholds) -> list[HealthWarning]:
    warnings = []
    letters = figures.single_answer_letters
    total = sum(letters.values())
    if total >= thresholds.min_sample:
        # Expected share of a letter: 1/4 when every 单选 has four options.
        positions = max((OPTION_LETTERS.index(letter) for letter in letters), default=0) + 1
        expected = 1 / max(positions, 4)
        off = [
            f"{letter} {letters.get(letter, 0) / total:.0%}"
            for letter in OPTION_LETTERS[: max(positions, 4)]
            if not expected * 0.5 <= letters.get(letter, 0) / total <= expected * 1.5
        ]
        if off:
            message = f"单选题答案字母分布不均（{'，'.join(off)}，期望约{expected:.0%}），考生可能按位置猜题"
            warnings.append(HealthWarning("answer_imbalance", message))
    answers = figures.true_false_answers
    total = sum(answers.values())
    if total >= thresholds.min_sample:
        share = answers.get(TRUE_FALSE_OPTIONS[0], 0) / total
        if not 0.3 <= share <= 0.7:
            message = f"判断题中答案为“正确”的占{share:.0%}，宜在30%～70%之间"
            warnings.append(HealthWarning("answer_imbalance", message))
    if figures.total >= thresholds.min_sample:
        d1, d3 = figures.difficulty_share(1) or 0.0, figures.difficulty_share(3) or 0.0
        if d3 < thresholds.difficulty3_min or d1 > thresholds.difficulty1_max:
            message = (
                f"难度1占{d1:.0%}、难度3占{d3:.0%}，要求难度3不少于{thresholds.difficulty3_min:.0%}、"
                f"难度1不超过{thresholds.difficulty1_max:.0%}"
            )
            warnings.append(HealthWarning("difficulty_skew", message))
    return warnings


def _threshold_checks(figures: BankFigures, thresholds: Thresholds) -> list[ThresholdCheck]:
    checks = []

    def add(name: str, label: str, value: float | None, limit: float, comparison: str, sample: int) -> None:
        judged = value is not None and sample >= thresholds.min_sample
        value = value if judged else None
        if value is None:
            ok = True
        elif comparison == "<=":
            ok = value <= limit
        elif comparison == "<":
            ok = value < limit
        else:
            ok = value >= limit
        checks.append(ThresholdCheck(name, label, value, limit, comparison, sample, ok))

    add("longest_correct", "单选题正确选项为最长选项的比例", figures.longest_correct_share,
        thresholds.longest_correct_max, "<=", figures.single_count)
    for count in thresholds.multiple_counts:
        add(f"multiple_{count}", f"多选题中{count}个正确选项的比例", figures.multiple_count_share(count),
            thresholds.multiple_count_min, ">=", figures.multiple_count)
    add("difficulty_3", "难度3的比例", figures.difficulty_share(3), thresholds.difficulty3_min, ">=", figures.total)
    add("difficulty_1", "难度1的比例", figures.difficulty_share(1), thresholds.difficulty1_max, "<=", figures.total)
    add("near_duplicate", "有近似重复题的题目比例", figures.near_duplicate_share,
        thresholds.near_duplicate_max, "<", figures.total)
    return checks


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _row_location(warning: HealthWarning) -> str:
    return f"{warning.file}第{warning.row}行" if warning.file else f"第{warning.row}行"


def _summary_lines(report: HealthReport, max_warnings: int | None,
                   location: Callable[[HealthWarning], str]) -> list[str]:
    f = report.figures
    lines = [f"题库体检：共 {f.total} 题（" + "，".join(
        f"{QUESTION_TYPES[t]} {f.by_type.get(t, 0)}" for t in _TYPE_ORDER) + "）"]
    lines.append("分类：")
    for category, counts in f.by_category.items():
        detail = "，".join(f"{QUESTION_TYPES[t]} {counts.get(t, 0)}" for t in _TYPE_ORDER)
        lines.append(f"  {category}：{sum(counts.values())} 题（{detail}）")
    lines.append(
        f"单选正确选项最长：{f.longest_correct}/{f.single_count}（{_pct(f.longest_correct_share)}），"
        f"其中明显最长 {f.length_cue} 题"
    )
    spread = "，".join(
        f"{k}个正确 {v}（{_pct(f.multiple_count_share(k))}）" for k, v in sorted(f.multiple_correct_counts.items())
    )
    lines.append(f"多选正确选项个数：{spread or '—'}；只有1个错误选项 {f.multiple_one_wrong} 题")
    lines.append("难度：" + "，".join(f"{k}级 {f.difficulty.get(k, 0)}（{_pct(f.difficulty_share(k))}）" for k in (1, 2, 3)))
    lines.append("分值：" + "，".join(f"{k}分 {v}" for k, v in sorted(f.points.items())))
    lines.append(
        f"近似重复：{f.near_duplicate_groups} 组 {f.near_duplicate_questions} 题（{_pct(f.near_duplicate_share)}）"
    )
    lines.append("单选答案字母：" + "，".join(f"{k} {v}" for k, v in sorted(f.single_answer_letters.items())))
    lines.append("判断答案：" + "，".join(f"{k} {v}" for k, v in f.true_false_answers.items()))
    lines.append(f"出处含条款号：{f.with_article}/{f.total}（{_pct(f.share(f.with_article, f.total))}）")
    lines.append("指标：")
    for check in report.checks:
        verdict = "达标" if check.ok else "未达标"
        if not check.judged:
            verdict = f"样本不足（{check.sample}题），不评判"
        lines.append(f"  {check.label}：{_pct(check.value)}（要求{check.comparison}{_pct(check.limit)}）{verdict}")
    counts = report.warning_counts()
    lines.append("提示：" + ("，".join(f"{WARNING_LABELS[c]} {n}" for c, n in counts.items()) or "无"))
    shown = report.warnings if max_warnings is None else report.warnings[:max_warnings]
    for warning in shown:
        where = location(warning) if warning.row else "题库"
        lines.append(f"  [{warning.label}] {where}：{warning.message}")
    if len(shown) < len(report.warnings):
        lines.append(f"  ……另有 {len(report.warnings) - len(shown)} 条提示")
    return lines
