"""Questions written as text: pasted into a text box, a .txt file, Word paragraphs.

The common Chinese layout, in its usual variants::

    一、单选题（每题1分）                    <- a heading sets the type of what follows
    1. 发现火情时首先应当（ ）。             <- "1." "1、" "1）" "（1）" "第1题" "题目："
    A. 报警   B. 拍照                        <- one option per line, or several on a line
    C. 围观
    答案：A                                  <- also 【答案】A, 正确答案：A, 参考答案：A, B
    解析：……                                 <- optional; may run over several lines

An answer may instead sit in the stem's brackets (``……（ B ）``, ``……（√）``), a type tag may
open the stem (``(单选题, 1.0 分)``), 判断 options may be written ``true. 正确`` /
``false. 错误``, and questions may simply be separated by blank lines or ``-----``.
Each question becomes one row in the template's columns, numbered by its first line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .documents import LIST_ITEM
from .model import OPTION_HEADERS
from .options import _LABEL_RE, _letter, split_labelled_line, split_packed_options

#: Type words a heading or a stem tag may carry (unsupported ones included, so they can be skipped).
TYPE_WORDS = (
    "单项选择题", "多项选择题", "不定项选择题", "单项选择", "多项选择", "不定项选择", "单选题", "多选题", "判断题",
    "是非题", "判断正误", "单选", "多选", "判断", "选择题", "填空题", "简答题", "问答题", "论述题", "计算题",
    "案例分析题", "名词解释", "主观题", "填空", "简答", "问答", "论述", "计算", "案例分析",
)
_TYPE_ALTERNATION = "|".join(TYPE_WORDS)
_CN_NUMBER = "一二三四五六七八九十"

_SEPARATOR_RE = re.compile(r"^[-—=_*~·.。─━\s]{3,}$")
_HEADING_RE = re.compile(
    rf"^(?:第?[{_CN_NUMBER}\d]+(?:部分|章|节|大题)?\s*[、.．:：]?\s*|[【\[(（]\s*)?"
    rf"(?P<type>{_TYPE_ALTERNATION})\s*[】\])）]?\s*(?:[(（][^()（）]*[)）])?\s*[:：]?\s*$"
)
_QUESTION_START_RE = re.compile(
    r"^(?:第\s*(?P<n1>\d{1,5})\s*题\s*[.．、:：]?|(?P<n2>\d{1,5})\s*(?:[.．](?!\d)|[、)）:：]|[\t\u3000]|\s+(?=[^\x00-\x7f]))|"
    r"[(（]\s*(?P<n3>\d{1,5})\s*[)）]|(?:题目|题干|问题|试题)\s*[:：])\s*(?P<rest>.*)$"
)
_ANSWER_ANYWHERE_RE = re.compile(r"(?:正确答案|参考答案|标准答案)\s*[】\]]?\s*[:：]?\s*(?P<value>.*)$")
_ANSWER_LINE_RE = re.compile(r"^(?:[【\[]\s*)?答案\s*(?:[】\]]\s*[:：]?|[:：])\s*(?P<value>.*)$")
_INLINE_ANSWER_RE = re.compile(
    r"(?:\s|[\^*#|~]+)(?:[【\[]\s*)?(?:正确答案|参考答案|标准答案|答案)\s*(?:[】\]]\s*[:：]?|[:：])\s*(?P<value>.*)$"
)
_MY_ANSWER_RE = re.compile(r"^我的答案\s*[:：]")
_EXPLANATION_RE = re.compile(
    r"^(?:[【\[]\s*)?(?:答案解析|试题解析|题目解析|解析|解答|答案分析|试题分析)\s*(?:[】\]]\s*[:：]?|[:：])\s*(?P<value>.*)$"
)
_INLINE_EXPLANATION_RE = re.compile(r"\s(?:[【\[]\s*)?(?:答案解析|解析)\s*(?:[】\]]\s*[:：]?|[:：])\s*(?P<value>.*)$")
_FIELD_LINES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(rf"^(?:[【\[]\s*)?(?:{words})\s*(?:[】\]]\s*[:：]?|[:：])\s*(?P<value>.*)$"))
    for name, words in (
        ("难度", "难度|难易程度|难度等级"),
        ("分值", "分值|分数"),
        ("分类", "知识点|分类|章节|题目分类"),
        ("出处", "出处|依据|来源|参考依据"),
        ("题型", "题型|题目类型|试题类型"),
    )
)
_SCORE_LINE_RE = re.compile(r"^\d+(?:\.\d+)?\s*分$")
_TYPE_TAG_RE = re.compile(
    rf"^[(（【\[]\s*(?P<type>{_TYPE_ALTERNATION})\s*(?:[,，;；]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*)?[)）】\]]\s*"
)
_POINTS_TAG_RE = re.compile(r"^[(（]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]\s*")
_TRUE_FALSE_OPTION_RE = re.compile(r"^(?P<word>true|false|t|f)\s*[.．、:：]\s*(?P<text>.*)$", re.IGNORECASE)
#: An answer written in the stem's brackets: （ B ）, (AC), （√）, （错）.
_BRACKET_ANSWER_RE = re.compile(r"[(（]\s*(?P<value>[A-H]{1,8}|[√×✓✗✔✘❌对错]|正确|错误)\s*[)）]")
#: Where options start inside a stem line: a label A after a space or a closing bracket.
_INLINE_OPTIONS_RE = re.compile(r"(?:(?<=[\s)）])|^)(?=(?:[(（【]\s*[AＡ]\s*[)）】]|[AＡ]\s*[.．、:：]))")


@dataclass
class TextQuestion:
    """One question read from text, in template columns, with the problems found."""

    line: int
    stem: str = ""
    options: list[str] = field(default_factory=list)
    answer: str = ""
    explanation: str = ""
    type: str = ""
    #: the type named by the heading above the question ("一、单选题"): a hint, not a rule
    hint: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: "stem" | "options" | "answer" | "explanation"
    state: str = "stem"
    closed: bool = False
    #: started by a line without a number: dropped if nothing but that line follows (a title)
    tentative: bool = False

    @property
    def is_title(self) -> bool:
        return self.tentative and not self.options and not self.answer

    def cells(self) -> dict[str, str]:
        cells = {"题型": self.type, "题干": self.stem.strip(), "答案": self.answer.strip(),
                 "解析": self.explanation.strip(), **self.fields}
        for name, option in zip(OPTION_HEADERS, self.options):
            cells[name] = option
        return cells


def read_text_questions(lines: list[tuple[int, str]]) -> list[TextQuestion]:
    """Split numbered text lines into questions (see the module docstring for the layout)."""
    reader = _TextReader()
    for number, raw in lines:
        reader.feed(number, raw)
    reader.close()
    return reader.questions


class _TextReader:
    def __init__(self) -> None:
        self.questions: list[TextQuestion] = []
        self.current: TextQuestion | None = None
        self.type_hint = ""

    def close(self) -> None:
        if self.current is not None:
            _finish(self.current)
            if self.current.is_title:
                # the current question is the last one started: list.remove() would compare it with
                # every question before it (quadratic: minutes for a 20,000-row sheet read as text)
                self.questions.pop()
            self.current = None

    def start(self, number: int, rest: str, *, tentative: bool = False) -> None:
        self.close()
        question = TextQuestion(line=number, hint=self.type_hint, tentative=tentative)
        self.current = question
        self.questions.append(question)
        self._stem_line(rest)

    def feed(self, number: int, raw: str) -> None:
        list_item = raw.startswith(LIST_ITEM)
        line = raw.lstrip(LIST_ITEM).strip(" \t\u3000\xa0\ufeff\u200b")
        current = self.current
        if not line:
            if current is not None and current.answer:
                current.closed = True
            if current is not None and current.state == "explanation":
                current.state = "answer"
            return
        if _SEPARATOR_RE.match(line):
            self.close()
            return
        heading = _HEADING_RE.match(line)
        if heading:
            self.close()
            self.type_hint = heading.group("type")
            return
        if current is not None and self._field_line(current, line):
            return
        start = _QUESTION_START_RE.match(line)
        if start and (current is None or current.state != "explanation" or start.group("n1") or start.group("n2")
                      or start.group("n3")):
            self.start(number, start.group("rest"))
            return
        if current is not None and not current.closed and (
            current.state in ("stem", "options") or (current.state == "answer" and not current.options)
        ):
            # options usually follow the stem; some exports put them after the answer
            if self._option_line(current, line):
                return
        if list_item or current is None or current.closed or current.state == "answer":
            self.start(number, line, tentative=not list_item)
            return
        if current.state == "explanation":
            current.explanation += "\n" + line
        elif current.state == "stem":
            current.stem += "\n" + line
        else:
            current.problems.append(("选项", f"第{number}行“{_short(line)}”不是选项，选项应以 A. B. C. 等开头"))

    def _stem_line(self, rest: str) -> None:
        question = self.current
        assert question is not None
        while True:
            tag = _TYPE_TAG_RE.match(rest)
            if tag:
                question.type = tag.group("type")
                if tag.group("points"):
                    question.fields["分值"] = tag.group("points")
                rest = rest[tag.end():]
                continue
            points = _POINTS_TAG_RE.match(rest)
            if points:
                question.fields.setdefault("分值", points.group("points"))
                rest = rest[points.end():]
                continue
            break
        answer = _INLINE_ANSWER_RE.search(rest)
        if answer:
            rest = rest[: answer.start()]
            self._set_answer(question, answer.group("value"))
        start = _INLINE_OPTIONS_RE.search(rest, 1) if rest else None
        while start is not None:
            options = split_packed_options(rest[start.start():])
            if len(options) >= 2:
                question.options.extend(options)
                rest = rest[: start.start()]
                question.state = "options"
                break
            start = _INLINE_OPTIONS_RE.search(rest, start.start() + 1)
        question.stem = rest.strip()

    def _set_answer(self, question: TextQuestion, value: str) -> None:
        explanation = _INLINE_EXPLANATION_RE.search(" " + value)
        if explanation:
            question.explanation = explanation.group("value")
            value = (" " + value)[: explanation.start()]
            question.state = "explanation"
        else:
            question.state = "answer"
        question.answer = value.strip()

    def _field_line(self, question: TextQuestion, line: str) -> bool:
        anywhere = _ANSWER_ANYWHERE_RE.search(line)
        if anywhere and (_MY_ANSWER_RE.match(line) or anywhere.start() == 0 or line.startswith(("【", "["))):
            self._set_answer(question, anywhere.group("value"))
            return True
        if _MY_ANSWER_RE.match(line):
            return True  # an exam record's "我的答案:" without the right answer
        answer = _ANSWER_LINE_RE.match(line)
        if answer:
            self._set_answer(question, answer.group("value"))
            return True
        explanation = _EXPLANATION_RE.match(line)
        if explanation:
            question.explanation = explanation.group("value")
            question.state = "explanation"
            return True
        for name, pattern in _FIELD_LINES:
            found = pattern.match(line)
            if found:
                value = found.group("value").strip()
                if name == "题型":
                    question.type = value or question.type
                elif value:
                    question.fields[name] = value
                if question.state == "explanation":
                    question.state = "answer"
                return True
        if _SCORE_LINE_RE.match(line) and question.state in ("answer", "explanation"):
            return True
        return False

    def _option_line(self, question: TextQuestion, line: str) -> bool:
        true_false = _TRUE_FALSE_OPTION_RE.match(line)
        if true_false and len(question.options) < 2:
            question.options.append(true_false.group("text").strip() or true_false.group("word"))
            question.state = "options"
            return True
        label = _LABEL_RE.match(line)
        if label is None:
            return False
        expected = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[min(len(question.options), 25)]
        packed = split_labelled_line(line, expected) if expected in "ABCDEFGH" else []
        if len(packed) >= 2 and _letter(label) == expected:
            question.options.extend(packed)
        elif _letter(label) == expected:
            question.options.append(line[label.end():].strip())
        else:
            question.problems.append(
                ("选项", f"选项“{_short(line)}”的字母与顺序不符（这里应是选项{expected}）")
            )
        question.state = "options"
        return True


def _finish(question: TextQuestion) -> None:
    if not question.answer:
        found = list(_BRACKET_ANSWER_RE.finditer(question.stem))
        if found:
            last = found[-1]
            value = last.group("value")
            if not re.fullmatch("[A-H]+", value) or question.options:
                question.answer = value
                blank = "（　）" if question.stem[last.start()] == "（" else "( )"
                question.stem = question.stem[: last.start()] + blank + question.stem[last.end():]
    if len(question.options) > len(OPTION_HEADERS):
        question.problems.append(("选项", f"每题最多{len(OPTION_HEADERS)}个选项，本题有{len(question.options)}个"))
        question.options = question.options[: len(OPTION_HEADERS)]


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
