"""CLI commands and the built-in question bank."""

from __future__ import annotations

from collections import Counter

from question_bank import QUESTION_TYPES, load_builtin_bank, normalize_stem

from quiz.extensions import db
from quiz.models import Attempt, LevelSeries, Question, Quiz, Unit, User
from quiz.services import attempts

from helpers import ROOT, T0, minutes

REQUIRED_CATEGORIES = {"安全生产法律法规", "消防安全", "疏散逃生", "应急救援与自救互救", "文旅行业安全"}


def test_builtin_bank_is_valid_and_complete():
    bank = load_builtin_bank()
    assert bank.errors == []
    records = bank.records
    assert len(records) >= 200
    types = Counter(record.type for record in records)
    assert set(types) == set(QUESTION_TYPES) and types["multiple"] >= 40
    assert REQUIRED_CATEGORIES <= {record.category for record in records}
    stems = [normalize_stem(record.stem) for record in records]
    assert len(stems) == len(set(stems))
    for record in records:
        assert record.explanation, record
        assert record.source, record
        assert all(0 <= index < len(record.options) for index in record.correct)
        expected = 1 if record.type in ("single", "true_false") else 2
        assert (len(record.correct) == 1) if expected == 1 else (len(record.correct) >= 2)


def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "Admin", "--role", "admin", "--unit", "办公室",
                                 "--password", "Str0ng-Keeper"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.username == "admin"))
    assert user.role == "admin" and user.unit.name == "办公室"
    again = runner.invoke(args=["create-user", "admin", "--role", "admin", "--password", "Str0ng-Keeper"])
    assert again.exit_code != 0 and "已被使用" in again.output
    weak = runner.invoke(args=["create-user", "bob", "--unit", "办公室", "--password", "password"])
    assert weak.exit_code != 0 and "密码" in weak.output


def test_import_questions_command_all_or_nothing(runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("题型,题干,选项A,选项B,答案\n单选,甲还是乙？,甲,乙,A\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("题型,题干,选项A,选项B,答案\n单选,丙还是丁？,丙,丁,E\n", encoding="utf-8")
    result = runner.invoke(args=["import-questions", str(tmp_path)])
    assert result.exit_code != 0 and "未导入" in result.output
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    bad.unlink()
    result = runner.invoke(args=["import-questions", str(good)])
    assert result.exit_code == 0 and "导入 1 题" in result.output


def test_import_builtin_bank_command(runner):
    result = runner.invoke(args=["import-questions", str(ROOT / "question_bank" / "data")])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(db.func.count(Question.id))) == len(load_builtin_bank().records)


def test_expire_attempts_command(runner, build):
    quiz = build.quiz(time_limit_seconds=60)
    attempt, _ = attempts.start_attempt(build.user(), quiz, T0 - minutes(5))
    db.session.commit()
    result = runner.invoke(args=["expire-attempts"])
    assert result.exit_code == 0 and "1" in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "expired"


def test_seed_demo_only_into_empty_database(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "zhangsan" in result.output and "Lantern-Ridge-58" in result.output
    contests = db.select(db.func.count(Quiz.id)).where(Quiz.kind == "contest")
    assert db.session.scalar(contests) == 2
    assert db.session.scalar(db.select(db.func.count(LevelSeries.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Unit.id))) >= 9
    again = runner.invoke(args=["seed-demo"])
    assert "跳过" in again.output
    assert db.session.scalar(contests) == 2
