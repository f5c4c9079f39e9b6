"""Shared by the in-process import benchmarks (bench/import_5000.py, bench/user_import_2000.py).

The real pages run through Flask's test client on a fresh migrated scratch database
(bench.load_attempts.prepare_database); these are the steps both benchmarks take.
Import it after ROOT is on sys.path, as the scripts do.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

import openpyxl
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bench.load_attempts import prepare_database
from quiz import create_app
from quiz.schema_version import upgrade_to_heads


def timed(call):
    """``call()``'s result and the seconds it took."""
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def xlsx_bytes(rows) -> bytes:
    """An .xlsx whose first sheet holds ``rows``."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def migrated_app(database: str, prefix: str, pg_db: str):
    """The app on a fresh scratch database ("sqlite" in a new temporary folder named ``prefix``…,
    or PostgreSQL's ``pg_db``), migrated to the heads; CSRF and rate limits off."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["QUIZ_INSTANCE_PATH"] = str(workdir / "instance")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": prepare_database(database, workdir, pg_db),
        "SECRET_KEY": "bench",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    })
    upgrade_to_heads(app)
    return app


def signed_in_client(app, username: str, password: str):
    """A test client signed in through the login page."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def upload(client, url: str, data: bytes, filename: str, *, shown: int = 500) -> str:
    """POST ``data`` as the form's ``file`` to ``url``; the preview's address it redirects to
    (on any other answer, the first ``shown`` bytes of it fail the assertion)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=filename)})
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.data[:shown]
    return response.headers["Location"]
