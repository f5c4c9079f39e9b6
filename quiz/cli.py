"""Command-line tools: `flask --app wsgi <command>`."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app

from question_bank import FileRejected

from .errors import DomainError
from .extensions import db
from .models import ROLES
from .services import accounts, attempts, demo
from .trainer import question_import
from .services.clock import now_utc


def init_app(app) -> None:
    for command in (create_user_command, import_questions_command, expire_attempts_command, seed_demo_command,
                    backup_command, restore_command):
        app.cli.add_command(command)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="employee", show_default=True)
@click.option("--unit", "unit_name", default=None, help="单位名称（不存在则创建）")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name", default=None, help="姓名（默认同用户名）")
def create_user_command(username, role, unit_name, password, display_name):
    """Create a user; the unit is created if missing."""
    try:
        password_hash = accounts.hash_new_password(
            password,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
        unit = accounts.get_or_create_unit(unit_name) if unit_name else None
        user = accounts.create_user(
            username, password_hash=password_hash, display_name=display_name, unit=unit, role=role
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


@click.command("import-questions")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--update", "update_duplicates", is_flag=True, help="更新题库中已有的相同题目（默认跳过）")
def import_questions_command(path: Path, update_duplicates: bool):
    """Import an .xlsx/.csv question file, or every such file in a folder (all or nothing)."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx")) if path.is_dir() else [path]
    records, problems = [], []
    for file in files:
        try:
            payload = question_import.parse_question_upload(file.name, file.read_bytes())
        except FileRejected as rejected:
            problems.append(f"{file.name}: {rejected.message}")
            continue
        records.extend(question_import.records_of_payload(payload))
        problems.extend(f"{file.name} 第{e['row']}行 {e['column']}: {e['message']}"
                        for e in question_import.file_errors(payload))
    if problems:
        for line in problems[:50]:
            click.echo(line, err=True)
        raise click.ClickException(f"共 {len(problems)} 处错误，未导入任何题目")
    summary = question_import.import_records(records, path.name, "update" if update_duplicates else "skip",
                                             None, now_utc())
    db.session.commit()
    click.echo(
        f"导入 {summary.imported} 题，更新 {summary.updated} 题，跳过重复 {summary.skipped_duplicates} 题"
    )


@click.command("expire-attempts")
def expire_attempts_command():
    """Finalize every attempt whose deadline has passed, with the answers saved before it."""
    count = attempts.expire_overdue_attempts(now_utc())
    db.session.commit()
    click.echo(f"已结束 {count} 份超时答卷")


@click.command("seed-demo")
def seed_demo_command():
    """Load the built-in bank and demo accounts and quizzes, only into an empty database."""
    if accounts.count_users():
        click.echo("数据库中已有用户，跳过演示数据。")
        return
    logins = demo.seed_demo(now_utc(), hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    click.echo("已载入内置题库和演示数据。演示账号（密码相同）：")
    for username, password, role in logins:
        click.echo(f"  {username:<10} {password}  ({role})")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path):
    """Write a consistent copy of the database to PATH while the app keeps running.

    SQLite: the online backup API.  PostgreSQL: pg_dump in its custom format (pg_restore reads it).
    """
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _run_pg_tool(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", *_schema_args(url),
                      _libpq_url(url)])
    click.echo(f"已备份到 {path}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="确认用备份覆盖当前数据库")
def restore_command(path: Path, yes: bool):
    """Replace the database's contents with a backup made by `backup` (stop the app servers first)."""
    if not yes:
        raise click.ClickException("恢复会覆盖当前数据库的全部数据；确认无误后加 --yes 再执行")
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(path)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException("备份文件已损坏，未做任何更改")
            target = sqlite3.connect(url.database)
            try:
                source.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise click.ClickException(f"不是有效的 SQLite 备份文件：{error}") from None
        finally:
            source.close()
    else:
        _run_pg_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                      f"--dbname={_libpq_url(url)}", str(path)])
    click.echo(f"已从 {path} 恢复")


def _schema_args(url) -> list[str]:
    """Dump only the schema the app uses when its URL sets a search_path (tests, shared servers)."""
    options = url.query.get("options", "")
    match = re.search(r"-c\s*search_path=([A-Za-z0-9_]+)", options if isinstance(options, str) else "")
    return [f"--schema={match.group(1)}"] if match else []


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as libpq understands it (no +psycopg driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run_pg_tool(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise click.ClickException(
            f"找不到 {command[0]}：请安装与服务器版本一致的 PostgreSQL 客户端（Debian: apt-get install postgresql-client）"
        )
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"{command[0]} 失败：{result.stderr.strip()[-500:]}")
