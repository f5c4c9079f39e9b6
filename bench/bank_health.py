"""Benchmark of the 题库体检 (question_bank.health.check_bank) on a large upload.

Builds N synthetic questions from the shipped bank: each stem and option is a
random recombination of clauses taken from real stems, options and
explanations, each clause varied by a character or two, so the
character-bigram frequencies (and the shared framing text) look like a real
Chinese bank; one question in fifty is a lightly
edited copy of another, so the near-duplicate search has real work to do.
Then times ``check_bank`` over them.  Limit: 20,000 questions in under 12 s
of CPU time (CPU rather than wall time, because the shared test machine's
load would otherwise decide the result).  The synthetic bank is pessimistic:
its recombined clauses share far more bigrams than real questions do, so the
near-duplicate search has more candidates to compare than in a real bank.

    .venv/bin/python bench/bank_health.py            # 20,000 questions
    .venv/bin/python bench/bank_health.py --count 5000

Exit status 1 when the limit is exceeded.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from question_bank import QuestionRecord, load_builtin_bank  # noqa: E402
from question_bank.health import check_bank  # noqa: E402

LIMIT_SECONDS = 12.0


def synthetic_records(count: int, seed: int = 14) -> list[QuestionRecord]:
    rng = random.Random(seed)
    bank = load_builtin_bank().records
    clauses = [
        piece
        for record in bank
        for text in (record.stem, record.explanation, *record.options)
        for piece in re.split(r"[，。；、：,]", text)
        if len(piece) >= 4
    ]
    # Vary the clauses a character or two at a time, so the bank has the vocabulary of
    # 20,000 different questions rather than 271 recombined ones.
    alphabet = sorted({ch for clause in clauses for ch in clause if "\u4e00" <= ch <= "\u9fff"})

    def vary(clause: str) -> str:
        chars = list(clause)
        for _ in range(rng.randint(1, 2)):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        return "".join(chars)

    clauses = [vary(clause) for clause in clauses for _ in range(8)]
    sources = [record.source for record in bank]
    records: list[QuestionRecord] = []
    for row in range(2, count + 2):
        if records and rng.random() < 0.02:
            twin = rng.choice(records)
            stem = twin.stem.replace("应当", "应", 1) + "（　　）"
            records.append(QuestionRecord(row, twin.type, stem, twin.options, twin.correct, "", twin.category,
                                          twin.difficulty, twin.points, twin.source))
            continue
        kind = rng.choice(("single", "single", "multiple", "true_false"))
        stem = "，".join(rng.sample(clauses, rng.randint(2, 4))) + "（　　）。"
        if kind == "true_false":
            options, correct = ("正确", "错误"), (rng.randint(0, 1),)
        else:
            options = tuple(dict.fromkeys(rng.choice(clauses) for _ in range(rng.choice((4, 5, 6)))))
            if len(options) < 4:
                options = (*options, *(f"选项{i}" for i in range(4 - len(options))))
            if kind == "single":
                correct = (rng.randrange(len(options)),)
            else:
                correct = tuple(sorted(rng.sample(range(len(options)), rng.randint(2, len(options) - 1))))
        records.append(QuestionRecord(row, kind, stem, options, correct, "", rng.choice(("甲", "乙", "丙")),
                                      rng.randint(1, 3), 1, rng.choice(sources)))
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    records = synthetic_records(args.count)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = check_bank(records)
    wall, elapsed = time.perf_counter() - started, time.process_time() - cpu_started
    figures = report.figures
    print(f"check_bank: {len(records)} questions in {elapsed:.2f} s CPU, {wall:.2f} s wall "
          f"({elapsed / len(records) * 1e6:.0f} µs CPU per question); "
          f"{len(report.warnings)} warnings, {figures.near_duplicate_groups} near-duplicate groups "
          f"({figures.near_duplicate_questions} questions)")
    limit = LIMIT_SECONDS * args.count / 20_000
    if elapsed > limit:
        print(f"FAIL: over the limit of {limit:.1f} s CPU", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
