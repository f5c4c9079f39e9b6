"""The in-process benchmarks still run against today's code (small sizes; their figures are not
checked here): the import benchmarks once stopped at the password rule, which refuses a year in a
password, and nobody noticed until the next measurement."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ROOT

RUNS = [
    (["bench/import_5000.py", "--rows", "50"], "result              OK"),
    (["bench/user_import_2000.py", "--rows", "20"], "result               OK"),
    (["bench/start_cpu.py", "--employees", "20", "--rounds", "1"], "SQL statements"),
]


@pytest.mark.parametrize(("argv", "expected"), RUNS, ids=[argv[0] for argv, _ in RUNS])
def test_an_in_process_benchmark_runs_to_its_result(argv, expected, tmp_path):
    finished = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path)})
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert expected in finished.stdout, finished.stdout[-3000:]
