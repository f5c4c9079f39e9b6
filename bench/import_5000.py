"""Benchmark of the bulk question upload with a 5,000-row .xlsx (the upload limit).

Runs the real pages in-process through Flask's test client, on a fresh migrated
database, and times each step a trainer goes through:

    upload   POST /trainer/imports/new      read + validate the file, keep the preview
    preview  GET  /trainer/imports/<token>  render every row (and duplicates against the bank)
    confirm  POST .../confirm               write all 5,000 questions in one transaction

then uploads the same file again, so that every row is a duplicate, and times the
preview and an update-all confirm.  Limits (issue 3): upload + confirm < 5 s, preview < 2 s.

    .venv/bin/python bench/import_5000.py                        # SQLite
    .venv/bin/python bench/import_5000.py --database postgresql  # scratch database quiz_bench_import

Exit status 1 when a limit is exceeded.  Only 127.0.0.1 is contacted (PostgreSQL).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._import_common import migrated_app, signed_in_client, timed, upload, xlsx_bytes  # noqa: E402
from question_bank import TEMPLATE_HEADERS  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.models import Question  # noqa: E402
from quiz.services import accounts  # noqa: E402

ROWS = 5000
IMPORT_LIMIT_SECONDS = 5.0
PREVIEW_LIMIT_SECONDS = 2.0
PASSWORD = "Bench-Import-Lantern-7"
PG_DB = "quiz_bench_import"
CATEGORIES = ["安全生产法律法规", "消防安全", "疏散逃生", "应急救援", "文旅行业安全", "用电安全", "交通安全",
              "特种设备", "防汛防台", "食品安全"]


def build_workbook(rows: int, seed: int = 7) -> bytes:
    """A realistic question file: three types, Chinese text, every optional column filled."""
    rng = random.Random(seed)
    table = [TEMPLATE_HEADERS]
    for number in range(1, rows + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        kind = ("单选", "多选", "判断")[number % 3]
        stem = f"第{number}题：在{category}检查中发现隐患{rng.randint(1, 99)}处，按照相关规定，下列做法正确的是哪一项？"
        if kind == "判断":
            options, answer = [""] * 4, rng.choice(["正确", "错误"])
        else:
            options = [f"选项{letter}：依法依规落实第{number}项安全责任措施{letter}" for letter in "ABCD"]
            answer = "A" if kind == "单选" else "ACD"
        table.append([kind, stem, *options, "", "", "", "", answer,
                      f"解析：第{number}题考查{category}的基本要求。", category, number % 3 + 1, 1 + number % 5,
                      "《中华人民共和国安全生产法》"])
    return xlsx_bytes(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()

    app = migrated_app(args.database, "bench-import-", PG_DB)
    with app.app_context():
        trainer = accounts.create_user("bench_trainer", role="trainer", display_name="基准测试",
                                       password_hash=accounts.hash_new_password(PASSWORD, hash_method="pbkdf2:sha256:1000",
                                                                                min_length=8))
        db.session.commit()
        trainer_name = trainer.username
        db.session.remove()

    data, build_seconds = timed(lambda: build_workbook(args.rows))
    client = signed_in_client(app, trainer_name, PASSWORD)

    def upload_file():
        return upload(client, "/trainer/imports/new", data, "题库5000.xlsx")

    figures = {}
    location, figures["upload"] = timed(upload_file)
    preview, figures["preview"] = timed(lambda: client.get(location))
    assert preview.status_code == 200 and f"新题 {args.rows}" in preview.get_data(as_text=True)
    confirm, figures["confirm"] = timed(lambda: client.post(location + "/confirm", data={"on_duplicate": "skip"}))
    assert confirm.status_code == 302, confirm.data[:500]
    location, figures["upload_again"] = timed(upload_file)
    preview, figures["preview_duplicates"] = timed(lambda: client.get(location))
    assert f"与题库重复 {args.rows}" in preview.get_data(as_text=True)
    update, figures["confirm_update"] = timed(lambda: client.post(location + "/confirm", data={"on_duplicate": "update"}))
    assert update.status_code == 302
    with app.app_context():
        count = db.session.scalar(select(func.count(Question.id)))
        db.session.remove()
        db.engine.dispose()
    assert count == args.rows, count

    import_seconds = figures["upload"] + figures["confirm"]
    worst_preview = max(figures["preview"], figures["preview_duplicates"])
    print(f"database            {args.database}")
    print(f"file                {args.rows} rows, {len(data) / 1024 / 1024:.2f} MB (generated in {build_seconds:.2f} s)")
    print(f"upload (parse+keep) {figures['upload']:.2f} s")
    print(f"preview page        {figures['preview']:.2f} s   ({len(preview.data) / 1024 / 1024:.1f} MB of HTML)")
    print(f"confirm (import)    {figures['confirm']:.2f} s")
    print(f"parse + import      {import_seconds:.2f} s   (limit {IMPORT_LIMIT_SECONDS:.0f} s)")
    print(f"re-upload           {figures['upload_again']:.2f} s")
    print(f"preview, all dups   {figures['preview_duplicates']:.2f} s   (limit {PREVIEW_LIMIT_SECONDS:.0f} s)")
    print(f"confirm, update all {figures['confirm_update']:.2f} s")
    ok = import_seconds < IMPORT_LIMIT_SECONDS and worst_preview < PREVIEW_LIMIT_SECONDS
    print("result              " + ("OK" if ok else "TOO SLOW"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
