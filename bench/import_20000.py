"""Benchmark: a 20,000-row question file (the row limit) parsed by question_bank, per format.

No Flask and no database: this times ``parse_question_file`` alone, which is what the upload
and the preview of the import pages spend on reading and checking a file.  The file is built
like a real bank exported from another system: a title row above the header, header names of
another system (试题类型, 试题内容, 选项一…, 正确答案(只能输入ABCD)), three question types,
判断 answered A/B with 正确/错误 options, every optional column filled.  Limit (issue 12):
a 20,000-row file parses in under 10 s.

    .venv/bin/python bench/import_20000.py                 # xlsx, xls, csv and text
    .venv/bin/python bench/import_20000.py --formats xlsx  # one format
    .venv/bin/python bench/import_20000.py --rows 5000

Exit status 1 when a format is over the limit.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from question_bank import MAX_FILE_BYTES, parse_question_file  # noqa: E402

ROWS = 20000
LIMIT_SECONDS = 10.0
HEADER = ["序号", "试题类型", "试题内容", "选项一", "选项二", "选项三", "选项四", "正确答案(只能输入ABCD)",
          "答案解析", "知识点", "难度", "分值", "依据"]
CATEGORIES = ["安全生产法律法规", "消防安全", "疏散逃生", "应急救援", "文旅行业安全", "用电安全", "交通安全",
              "特种设备", "防汛防台", "食品安全"]


def build_rows(rows: int, seed: int = 12) -> list[list[object]]:
    rng = random.Random(seed)
    table: list[list[object]] = [["2026年安全生产月题库（导出）"], HEADER]
    for number in range(1, rows + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        kind = ("单选题", "多选题", "判断题")[number % 3]
        stem = f"第{number}题：在{category}检查中发现隐患{rng.randint(1, 99)}处，下列做法正确的是（ ）。"
        if kind == "判断题":
            options, answer = ["正确", "错误", "", ""], rng.choice("AB")
        else:
            options = [f"依法依规落实第{number}项安全措施{letter}" for letter in "ABCD"]
            answer = "A" if kind == "单选题" else "ACD"
        table.append([number, kind, stem, *options, answer, f"本题考查{category}的基本要求。", category,
                      ("易", "中等", "困难")[number % 3], 1 + number % 5, "《中华人民共和国安全生产法》"])
    return table


def as_xlsx(table) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in table:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_xls(table) -> bytes:
    import xlwt  # test-only dependency (requirements-dev.txt)

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("题库")
    for row_index, row in enumerate(table):
        for column_index, value in enumerate(row):
            if value != "":
                sheet.write(row_index, column_index, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_csv(table) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode("gb18030")


def as_text(table) -> bytes:
    lines = [str(table[0][0])]
    for row in table[2:]:
        number, kind, stem, *options = row[:7]
        lines.append(f"{number}. 【{kind}】{stem}")
        if kind != "判断题":
            lines.extend(f"{letter}. {option}" for letter, option in zip("ABCD", options))
            lines.append(f"答案：{row[7]}")
        else:
            lines.append("答案：" + ("正确" if row[7] == "A" else "错误"))
        lines.append(f"解析：{row[8]}")
    return "\n".join(lines).encode("utf-8")


BUILDERS = {"xlsx": as_xlsx, "xls": as_xls, "csv": as_csv, "text": as_text}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--formats", nargs="+", choices=list(BUILDERS), default=list(BUILDERS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the best is reported")
    args = parser.parse_args()

    table = build_rows(args.rows)
    ok = True
    print(f"rows {args.rows}, limit {LIMIT_SECONDS:.0f} s, best of {args.repeat} runs")
    for name in args.formats:
        data = BUILDERS[name](table)
        size = len(data) / 1024 / 1024
        note = "" if len(data) <= MAX_FILE_BYTES else f"  (over the {MAX_FILE_BYTES // 1024 // 1024} MB upload limit)"
        times = []
        for _ in range(args.repeat):
            gc.collect()
            start = time.perf_counter()
            result = parse_question_file(f"bench.{name}", data, max_rows=max(args.rows, 1),
                                         max_bytes=max(len(data), MAX_FILE_BYTES))
            times.append(time.perf_counter() - start)
        assert result.ok, result.errors[:3]
        assert len(result.records) == args.rows, len(result.records)
        best = min(times)
        ok &= best < LIMIT_SECONDS
        print(f"{name:5} {size:6.2f} MB  parse {best:5.2f} s  ({len(result.records)} questions){note}")
    print("result " + ("OK" if ok else "TOO SLOW"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
