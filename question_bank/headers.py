"""Recognising question-file headers by meaning, and the fields a column can be mapped to.

A header cell is normalised (NFKC, no whitespace, no ``*`` or trailing colon) and looked up
first as it is (so ``选项(A)`` keeps its letter) and then without parenthetical notes such
as ``正确答案(只能输入ABCD否则报错)`` or ``难度（简单/中等/困难）``.

Fields are named by the template's Chinese column names (``题型``, ``题干``, ``选项A`` …),
plus ``选项`` (all options packed into one cell), ``选项A是否正确`` … (one "is this option
correct" flag column per option) and ``忽略`` (a column to leave out).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .model import OPTION_HEADERS, OPTION_LETTERS

FIELD_TYPE = "题型"
FIELD_STEM = "题干"
FIELD_ANSWER = "答案"
FIELD_EXPLANATION = "解析"
FIELD_CATEGORY = "分类"
FIELD_DIFFICULTY = "难度"
FIELD_POINTS = "分值"
FIELD_SOURCE = "出处"
#: All options in one cell ("A.报警 B.拍照", one per line, "报警|拍照" ...).
FIELD_PACKED_OPTIONS = "选项"
#: A column the importer must leave out (only ever set by a mapping).
FIELD_IGNORE = "忽略"
#: "选项A是否正确" ... "选项H是否正确": a flag per option instead of an answer column.
FLAG_FIELDS: list[str] = [f"{name}是否正确" for name in OPTION_HEADERS]


@dataclass(frozen=True)
class FieldChoice:
    """One entry of the mapping step's drop-down: the field key and what it means."""

    key: str
    label: str
    required: bool = False


#: Every field a column can be mapped to, in the order a mapping UI should list them.
FIELD_CHOICES: tuple[FieldChoice, ...] = (
    FieldChoice(FIELD_TYPE, "题型（单选/多选/判断；没有此列时按选项和答案推断）"),
    FieldChoice(FIELD_STEM, "题干", required=True),
    *(FieldChoice(name, name) for name in OPTION_HEADERS),
    FieldChoice(FIELD_PACKED_OPTIONS, "选项（全部选项在一个单元格里）"),
    FieldChoice(FIELD_ANSWER, "答案（没有此列时可用各选项的“是否正确”列）", required=True),
    *(FieldChoice(name, name) for name in FLAG_FIELDS),
    FieldChoice(FIELD_EXPLANATION, "解析"),
    FieldChoice(FIELD_CATEGORY, "分类"),
    FieldChoice(FIELD_DIFFICULTY, "难度"),
    FieldChoice(FIELD_POINTS, "分值"),
    FieldChoice(FIELD_SOURCE, "出处"),
    FieldChoice(FIELD_IGNORE, "不导入此列"),
)
FIELD_KEYS: frozenset[str] = frozenset(choice.key for choice in FIELD_CHOICES)

# Keys are normalised header spellings (see normalize_header), casefolded.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    FIELD_TYPE: (
        "题型", "类型", "题目类型", "试题类型", "题型名称", "题类", "题目题型", "试题题型", "问题类型",
        "题型分类", "type", "questiontype", "qtype",
    ),
    FIELD_STEM: (
        "题干", "题目", "题目内容", "试题", "试题内容", "问题", "问题内容", "题目名称", "题干内容", "试题题干",
        "题目题干", "试题名称", "题目标题", "题面", "question", "questioncontent", "questiontext", "stem", "content",
    ),
    FIELD_ANSWER: (
        "答案", "正确答案", "标准答案", "正确选项", "参考答案", "试题答案", "题目答案", "答案选项", "正确答案选项",
        "answer", "questionanswer", "correctanswer", "correct", "rightanswer",
    ),
    FIELD_EXPLANATION: (
        "解析", "答案解析", "题目解析", "解析说明", "试题解析", "整体解析", "答题解析", "试题分析", "题目分析",
        "解释", "答案说明", "explanation", "analysis", "questionexplain", "explain",
    ),
    FIELD_CATEGORY: (
        "分类", "知识点", "知识点分类", "知识点名称", "类别", "章节", "题库分类", "题目分类", "试题分类", "所属分类",
        "所属题库", "题库名称", "所属章节", "科目", "category", "knowledge", "chapter",
    ),
    FIELD_DIFFICULTY: (
        "难度", "难度等级", "题目难度", "试题难度", "难易程度", "难易度", "难度系数", "difficulty", "level",
    ),
    FIELD_POINTS: ("分值", "分数", "题目分值", "试题分值", "每题分值", "score", "points", "point"),
    FIELD_SOURCE: (
        "出处", "依据", "来源", "参考依据", "题目来源", "试题来源", "法规依据", "出题依据", "依据条款", "source",
        "reference",
    ),
    FIELD_PACKED_OPTIONS: (
        "选项", "选项内容", "备选项", "备选答案", "选项列表", "全部选项", "options", "optioncontent", "choices",
    ),
}
_FIELD_OF_SYNONYM: dict[str, str] = {
    spelling: name for name, spellings in _SYNONYMS.items() for spelling in spellings
}

_CHINESE_NUMERALS = "一二三四五六七八"
_OPTION_INDEX = rf"[A-H]|[1-8]|[{_CHINESE_NUMERALS}]"
# "选项A", "A", "A选项", "选项1", "选项一", "选项(A)", "A项", "D项目", "选择A", "optionA", "选项A内容"
_OPTION_HEADER_RE = re.compile(
    rf"^(?:(?:选项|选择|备选项|答案选项|OPTION|CHOICE)_?\(?(?P<a>{_OPTION_INDEX})\)?(?:选项|项|内容|选项内容)?"
    rf"|(?P<b>[A-H])(?:选项|项|项目|选项内容)?)$"
)
_FLAG_SUFFIX = r"(?:是否正确|是否为正确答案|是否正确答案|是否答案|是否正确项|正确与否|ISCORRECT|ISRIGHT|CORRECT)"
_FLAG_HEADER_RE = re.compile(
    rf"^(?:(?:选项|OPTION)?_?\(?(?P<a>{_OPTION_INDEX})\)?(?:选项)?{_FLAG_SUFFIX}|{_FLAG_SUFFIX}_?(?P<b>[A-H]|[1-8]))$"
)
#: A bare "是否正确" column: the flag of the option column just before it.
_BARE_FLAG_RE = re.compile(rf"^{_FLAG_SUFFIX}$")
#: Option headers beyond 选项H, recognised only to report that a question has too many options.
_EXTRA_OPTION_HEADER_RE = re.compile(r"^(?:选项)?(?:[I-Z]|9|1[0-9])(?:选项)?$|^选项[I-Z]$|^选项(?:九|十)$")

_WHITESPACE_RE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
_NOTE_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_EDGE_MARKS = "*＊:：#№"


def normalize_header(text: str) -> str:
    """NFKC, no whitespace, no ``*``/colon marks, Latin letters upper-cased."""
    name = unicodedata.normalize("NFKC", text or "")
    name = _WHITESPACE_RE.sub("", name).strip(_EDGE_MARKS)
    return name.upper()


def _option_index(token: str) -> int:
    if token in OPTION_LETTERS:
        return OPTION_LETTERS.index(token)
    if token.isdigit():
        return int(token) - 1
    return _CHINESE_NUMERALS.index(token)


@dataclass(frozen=True)
class HeaderMatch:
    """What a header cell means: a field key, or "" when it is not recognised."""

    field: str
    #: the option column uses numbers (选项1, 选项一): answers may then be option numbers
    numbered: bool = False
    #: a bare "是否正确" column, which belongs to the option column before it
    bare_flag: bool = False
    #: a header such as 选项I, recognised only to report extra options
    extra_option: bool = False


_UNKNOWN = HeaderMatch("")


@functools.lru_cache(maxsize=4096)
def match_header(text: str) -> HeaderMatch:
    """Recognise one header cell (results are cached: files repeat their headers)."""
    name = normalize_header(text)
    if not name:
        return _UNKNOWN
    candidates = [name]
    stripped = _NOTE_RE.sub("", name).strip(_EDGE_MARKS)
    if stripped and stripped != name:
        candidates.append(stripped)
    for candidate in candidates:
        match = _match_normalized(candidate)
        if match.field or match.bare_flag or match.extra_option:
            return match
    return _UNKNOWN


def _match_normalized(name: str) -> HeaderMatch:
    field = _FIELD_OF_SYNONYM.get(name.casefold())
    if field:
        return HeaderMatch(field)
    if found := _OPTION_HEADER_RE.match(name):
        token = found.group("a") or found.group("b")
        return HeaderMatch(OPTION_HEADERS[_option_index(token)], numbered=token not in OPTION_LETTERS)
    if found := _FLAG_HEADER_RE.match(name):
        token = found.group("a") or found.group("b")
        return HeaderMatch(FLAG_FIELDS[_option_index(token)])
    if _BARE_FLAG_RE.match(name):
        return HeaderMatch("", bare_flag=True)
    if _EXTRA_OPTION_HEADER_RE.match(name):
        return HeaderMatch("", extra_option=True)
    return _UNKNOWN


def _quick_words() -> frozenset[str]:
    words = set(_FIELD_OF_SYNONYM)
    for index, letter in enumerate(OPTION_LETTERS):
        for token in (letter, str(index + 1), _CHINESE_NUMERALS[index]):
            words.update({f"选项{token}", f"{token}选项", f"选项({token})", f"选项（{token}）", f"选项{token}内容",
                          f"选项{token}是否正确", f"{token}是否正确", f"option{token}"})
        words.update({letter, f"{letter}项"})
    words.update({"是否正确", "是否正确答案"})
    return frozenset({word.casefold() for word in words})


#: Header spellings as typed, for a cheap first test of a row inside a section (see looks_like_header_cell).
_QUICK_WORDS = _quick_words()
_QUICK_FIRST = frozenset(word[0] for word in _QUICK_WORDS)


def looks_like_header_cell(cell: str) -> bool:
    """A cheap test (no normalisation): the cell is a common header spelling, maybe with a note."""
    if len(cell) > 40:
        return False
    word = cell.strip(" *＊:：\t\u3000").casefold()
    if not word or word[0] not in _QUICK_FIRST:
        return False
    if word in _QUICK_WORDS:
        return True
    for bracket in ("(", "（", "[", "【"):
        if bracket in word:
            word = word.split(bracket, 1)[0].strip()
    return bool(word) and word in _QUICK_WORDS


def header_signature(header: Sequence[str]) -> str:
    """A stable key for a header row, to remember a column mapping for files of the same system.

    Cells are normalised (NFKC, no whitespace, upper-case Latin letters) and trailing blank
    cells dropped, so re-saving the file in another program keeps the signature.
    """
    cells = [normalize_header(cell) for cell in header]
    while cells and not cells[-1]:
        cells.pop()
    digest = hashlib.sha256("\x1f".join(cells).encode("utf-8")).hexdigest()
    return digest[:32]
