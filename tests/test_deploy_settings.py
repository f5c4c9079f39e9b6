"""The production settings of deploy/systemd/quiz@.service: gunicorn's, shared with `make serve`,
recycle workers rarely and apart (bench/city.py: at 5,000 requests both workers restarted
together every 45 s, each rebuilding the 100,000-person boards cold; save p99 340 ms), and the
request logs of a busy server are kept."""

from __future__ import annotations

import re

from helpers import ROOT

RECYCLE = re.compile(r"--max-requests (\d+) --max-requests-jitter (\d+)")


def _recycling(text: str) -> tuple[int, int]:
    found = RECYCLE.findall(text)
    assert len(found) == 1, found
    return int(found[0][0]), int(found[0][1])


def test_workers_are_recycled_rarely_and_not_together():
    unit = _recycling((ROOT / "deploy" / "systemd" / "quiz@.service").read_text())
    serve = _recycling((ROOT / "Makefile").read_text())
    assert unit == serve
    max_requests, jitter = unit
    # a city contest gives a worker about 110 requests a second: at least 15 minutes between restarts,
    # and a jitter wide enough that two workers started together drift apart
    assert max_requests >= 100_000 and jitter >= max_requests // 4


def test_workers_share_the_app_the_master_loaded():
    """--preload: the workers share the code and zxcvbn's dictionary the master imported (measured with
    the unit's command: PSS 40 MiB a worker instead of 65); a release is a restart, not a HUP."""
    for text in ((ROOT / "deploy" / "systemd" / "quiz@.service").read_text(), (ROOT / "Makefile").read_text()):
        command = text.replace("\\\n", " ")
        assert re.search(r"gunicorn [^\n]*--preload[^\n]* wsgi:app", command), command


def test_request_logs_are_not_dropped_by_journald_at_peak():
    """Two lines a request at 220 requests/s pass journald's default per-unit rate limit."""
    unit = (ROOT / "deploy" / "systemd" / "quiz@.service").read_text()
    assert re.search(r"^LogRateLimitIntervalSec=0$", unit, re.MULTILINE)
