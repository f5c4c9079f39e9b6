"""Benchmark of the bulk user import with 2,000 rows (the upload limit), production hash settings.

Runs the real admin pages in-process through Flask's test client, on a fresh migrated
database, with the production defaults PASSWORD_HASH_METHOD and TEMPORARY_PASSWORD_HASH_METHOD:

    upload   POST /admin/users/import          read + check, hash the given (temporary) passwords
    preview  GET  /admin/users/import/<token>  every row
    confirm  POST .../confirm                  generate + hash the missing passwords, create the accounts

Half of the rows give an initial password, half have one generated.  Each request must stay
far below gunicorn's 60 s timeout: the limit here is 20 s per request.

    .venv/bin/python bench/user_import_2000.py                        # SQLite
    .venv/bin/python bench/user_import_2000.py --database postgresql  # scratch database quiz_bench_users

Exit status 1 when a limit is exceeded.  Only 127.0.0.1 is contacted (PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._import_common import migrated_app, signed_in_client, timed, upload, xlsx_bytes  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.models import User  # noqa: E402
from quiz.services import accounts  # noqa: E402

ROWS = 2000
REQUEST_LIMIT_SECONDS = 20.0
PASSWORD = "Bench-Admin-Lantern-7"
PG_DB = "quiz_bench_users"
UNITS = ["区图书馆", "区文化馆", "区博物馆", "办公室", "安全科"]


def build_workbook(rows: int) -> bytes:
    table = [["用户名", "姓名", "单位", "角色", "初始密码"]]
    for number in range(1, rows + 1):
        given = f"Init-{number:05d}-Pass" if number % 2 else ""
        table.append([f"emp{number:05d}", f"职工{number}", UNITS[number % len(UNITS)], "职工", given])
    return xlsx_bytes(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()

    app = migrated_app(args.database, "bench-users-", PG_DB)
    config = app.config
    with app.app_context():
        for name in UNITS:
            accounts.create_unit(name)
        admin = accounts.create_user("bench_admin", role="admin", display_name="基准测试",
                                     password_hash=accounts.hash_new_password(
                                         PASSWORD, hash_method=config["PASSWORD_HASH_METHOD"], min_length=8))
        db.session.commit()
        admin_name = admin.username
        db.session.remove()

    data = build_workbook(args.rows)
    client = signed_in_client(app, admin_name, PASSWORD)

    figures = {}
    location, figures["upload"] = timed(lambda: upload(client, "/admin/users/import", data, "用户2000.xlsx", shown=800))
    preview, figures["preview"] = timed(lambda: client.get(location))
    assert preview.status_code == 200 and f"新用户 {args.rows}" in preview.get_data(as_text=True)
    confirm, figures["confirm"] = timed(lambda: client.post(location + "/confirm", data={"on_existing": "skip"}))
    assert confirm.status_code == 200 and "只显示这一次" in confirm.get_data(as_text=True), confirm.data[:800]
    with app.app_context():
        created = db.session.scalar(select(func.count(User.id)).where(User.must_change_password.is_(True)))
        db.session.remove()
        db.engine.dispose()
    assert created == args.rows, created

    worst = max(figures.values())
    print(f"database             {args.database}, {os.cpu_count()} cores")
    print(f"hashes               temporary {config['TEMPORARY_PASSWORD_HASH_METHOD']} "
          f"(full {config['PASSWORD_HASH_METHOD']} from the first sign-in)")
    print(f"file                 {args.rows} rows ({args.rows - args.rows // 2} with a given password)")
    print(f"upload (parse+hash)  {figures['upload']:.2f} s")
    print(f"preview page         {figures['preview']:.2f} s")
    print(f"confirm (gen+create) {figures['confirm']:.2f} s")
    print(f"total for {args.rows} rows {sum(figures.values()):.2f} s; slowest request {worst:.2f} s "
          f"(limit {REQUEST_LIMIT_SECONDS:.0f} s, gunicorn timeout 60 s)")
    ok = worst < REQUEST_LIMIT_SECONDS
    print("result               " + ("OK" if ok else "TOO SLOW"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
