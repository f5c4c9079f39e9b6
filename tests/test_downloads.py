"""Attachments: one helper names every download safely, whatever the title holds."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from quiz.downloads import attachment, safe_filename


@pytest.mark.parametrize("title", ["竞赛\r\n第二行", "a\x00b", 'x"; filename=evil.exe', "../../etc/passwd", "\n"])
def test_titles_with_any_characters_make_safe_header_values(app, title):
    response = attachment(b"data", f"{title}-成绩.xlsx", "application/octet-stream")
    header = response.headers["Content-Disposition"]
    assert "\n" not in header and "\r" not in header and "\x00" not in header
    quoted_name = header.split("filename*=UTF-8''", 1)[1]
    name = unquote(quoted_name)
    assert "/" not in name and '"' not in name and name.endswith("-成绩.xlsx")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_plain_chinese_name_is_kept():
    assert safe_filename("安全竞赛-排行榜.xlsx") == "安全竞赛-排行榜.xlsx"
    assert safe_filename("") == "export"
