"""Helpers of the question-import tests (web, API, CLI): files of another system's layout, uploads."""

from __future__ import annotations

import io
import re

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from quiz.extensions import db
from quiz.models import Question

from helpers import xlsx_file

#: The layout of an exam system whose headers the importer cannot tell by itself: numbered
#: option columns under another name, type codes (1 单选, 2 多选, 3 判断, 4 简答), a remark column.
#: (It stands for the exports of several public systems' "试题导入模板" with numeric type codes,
#: e.g. the questionType 1/2/3 of a laboratory-safety bank, with every header renamed.)
OTHER_HEADER = ["编号", "题目类别", "内容", "备选1", "备选2", "备选3", "备选4", "标答", "说明"]
OTHER_MAPPING = {"题目类别": "题型", "内容": "题干", "备选1": "选项A", "备选2": "选项B", "备选3": "选项C",
                 "备选4": "选项D", "标答": "答案", "说明": "解析"}
OTHER_TYPES = {"1": "single", "2": "multiple", "3": "true_false", "4": "skip"}


def other_system_rows(prefix: str = "") -> list[list]:
    """Three good questions, one with an answer not among its options (row 5), one 简答 (row 6)."""
    return [
        OTHER_HEADER,
        [1, "1", f"{prefix}发现火情首先应当怎么做？", "立即报警", "拍照", "围观", "", "A", "先报警，再疏散"],
        [2, "2", f"{prefix}疏散时应当注意哪些事项？", "走安全出口", "乘电梯", "低姿前进", "捂住口鼻", "ACD", ""],
        [3, "3", f"{prefix}灭火器应当定期检查。", "正确", "错误", "", "", "A", ""],
        [4, "1", f"{prefix}发生触电时首先应当怎么做？", "切断电源", "直接用手拉开", "", "", "F", ""],
        [5, "4", f"{prefix}简述景区疏散的流程。", "", "", "", "", "略", ""],
    ]


def other_system_file(prefix: str = "") -> bytes:
    return xlsx_file(other_system_rows(prefix))


def multipart(fields: dict) -> tuple[bytes, str]:
    """Encode a form in memory (the test client would spool big bodies to an unclosed temp file)."""
    boundary, body = encode_multipart(fields)
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client, filename: str, data: bytes, url: str = "/trainer/imports/new", **fields):
    body, content_type = multipart({"file": FileStorage(io.BytesIO(data), filename=filename), **fields})
    return client.post(url, data=body, content_type=content_type)


def paste(client, text: str):
    body, content_type = multipart({"text": text})
    return client.post("/trainer/imports/new", data=body, content_type=content_type)


def token_and_step(response) -> tuple[str, str]:
    """(token, "preview" | "mapping") of the redirect after an upload."""
    assert response.status_code == 302, response.data.decode()[:3000]
    match = re.fullmatch(r"/trainer/imports/([\w-]{20,})(/mapping)?", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1), "mapping" if match.group(2) else "preview"


def question_count() -> int:
    return db.session.scalar(db.select(db.func.count(Question.id)))


def mapping_form_data(html: str, columns: dict[str, str] | None = None, types: dict[str, str] | None = None,
                      remember: bool = True) -> dict:
    """The mapping page's form, filled in: `columns` header -> field, `types` value -> type (by label)."""
    data: dict[str, str] = {"submit": "应用映射并预览"}
    if remember:
        data["remember"] = "y"
    for name, label in re.findall(r'<label class="form-label mb-0" for="((?:column|type)_\d+)">([^<]*)</label>', html):
        label = label.replace("&amp;", "&")
        if name.startswith("column_") and columns and label in columns:
            data[name] = columns[label]
        elif name.startswith("type_") and types and label in types:
            data[name] = types[label]
        else:
            data.setdefault(name, "")
    return data
