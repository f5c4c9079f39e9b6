"""Command-line tools: `flask --app wsgi <command>`."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path

import click
from flask import current_app

from question_bank import FileRejected, load_builtin_bank
from question_bank.health import check_bank, load_editions, questions_citing

from .auth_setup import new_password_hash
from .errors import DomainError
from .extensions import db
from .private_files import private_file
from .models import ROLES
from .services import accounts, attempts, demo
from .org import unit_import
from .trainer import bank_health, question_import
from .services.clock import now_utc, to_campaign_tz


def init_app(app) -> None:
    for command in (create_user_command, import_questions_command, check_bank_command, expire_attempts_command,
                    seed_demo_command, backup_command, restore_command, import_units_command):
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
        password_hash = new_password_hash(password, username=username, display_name=display_name)
        unit = accounts.get_or_create_unit(unit_name) if unit_name else None
        user = accounts.create_user(
            username, password_hash=password_hash, display_name=display_name, unit=unit, role=role
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


#: More problems than this are written to a file instead of the terminal.
MAX_PRINTED_PROBLEMS = 50
#: Files of a folder that are read (the format itself is told by the content).
QUESTION_FILE_SUFFIXES = (".xlsx", ".xls", ".csv", ".tsv", ".txt", ".docx")


def _mapping_option(text: str | None):
    """--mapping: JSON text, or the path of a .json file holding it."""
    if text and not text.lstrip().startswith("{") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8-sig")
    try:
        return question_import.mapping_from_json(text)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--mapping") from None


def _where(name: str, item: dict) -> str:
    return f"{name} 第{item['row']}行" if item["row"] else name


def _report_problems(lines: list[str], problems_file: Path | None, source: Path) -> None:
    """Every problem on the terminal, or in a file when there are many (saying where)."""
    if len(lines) <= MAX_PRINTED_PROBLEMS:
        for line in lines:
            click.echo(line, err=True)
        return
    stamp = to_campaign_tz(now_utc()).strftime("%Y%m%d-%H%M%S")
    target = problems_file or Path.cwd() / f"导入问题-{source.stem}-{stamp}.txt"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for line in lines[:10]:
        click.echo(line, err=True)
    click.echo(f"……共 {len(lines)} 条问题和提示，全部写在 {target.resolve()}", err=True)


@click.command("import-questions")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--update", "update_duplicates", is_flag=True, help="更新题库中已有的相同题目（默认跳过）")
@click.option("--skip-invalid", is_flag=True,
              help="跳过有问题的行，导入其余题目（默认：文件中有任何问题就一题也不导入）")
@click.option("--mapping", "mapping_text", default=None, metavar="JSON",
              help='列映射，如 {"columns": {"试题内容": "题干"}, "type_values": {"1": "单选"}}，或存有它的 .json 文件')
@click.option("--problems-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"问题超过 {MAX_PRINTED_PROBLEMS} 条时写入的文件（默认写在当前目录）")
def import_questions_command(path: Path, update_duplicates: bool, skip_invalid: bool, mapping_text: str | None,
                             problems_file: Path | None):
    """Import a question file (.xlsx/.xls/.csv/.txt/.docx, read by content), or every such file in a folder.

    All or nothing by default; --skip-invalid imports the good rows and lists the others.
    """
    mapping = _mapping_option(mapping_text)
    files = (sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in QUESTION_FILE_SUFFIXES)
             if path.is_dir() else [path])
    combined = {"records": [], "errors": []}
    lines: list[str] = []
    skipped_invalid = skipped_unsupported = 0
    for file in files:
        try:
            payload = question_import.parse_question_upload(file.name, file.read_bytes(), mapping=mapping)
        except FileRejected as rejected:
            combined["errors"].append({"row": 0, "column": "", "message": f"{file.name}: {rejected.message}"})
            lines.append(f"{file.name}: {rejected.message}")
            continue
        combined["records"].extend(payload["records"])
        combined["errors"].extend({**e, "message": f"{file.name}: {e['message']}"} for e in payload["errors"])
        lines.extend(f"{_where(file.name, e)} {e['column'] or '表头'}: {e['message']}" for e in payload["errors"])
        lines.extend(f"{_where(file.name, w)} 提示: {w['message']}" for w in payload["warnings"])
        skipped_invalid += question_import.error_row_count(payload)
        skipped_unsupported += len(payload["skipped_unsupported"])
    _report_problems(lines, problems_file, path)
    try:
        question_import.refuse_if_invalid(combined, skip_invalid=skip_invalid)
    except DomainError as refused:
        count = len(combined["errors"])
        if not skip_invalid:
            raise click.ClickException(
                f"共 {count} 处错误，未导入任何题目（可用 --skip-invalid 跳过有问题的行，导入其余题目）") from None
        raise click.ClickException(f"共 {count} 处错误：{refused.message}") from None
    summary = question_import.import_records(
        question_import.records_of_payload(combined), path.name, "update" if update_duplicates else "skip", None,
        now_utc(), skipped_invalid=skipped_invalid if skip_invalid else 0, skipped_unsupported=skipped_unsupported)
    db.session.commit()
    line = f"导入 {summary.imported} 题，更新 {summary.updated} 题，跳过重复 {summary.skipped_duplicates} 题"
    if summary.skipped_invalid:
        line += f"，跳过有问题的 {summary.skipped_invalid} 行"
    if skipped_unsupported:
        line += f"，跳过不支持的 {skipped_unsupported} 题"
    click.echo(line)


def _health_records(paths: tuple[Path, ...], builtin: bool):
    """The records to check and how a warning's place is named: files, the shipped bank, or the database."""
    if builtin:
        return load_builtin_bank().records, None
    if not paths:
        return bank_health.records_of_questions(bank_health.bank_questions()), lambda w: f"题号 {w.row}"
    records = []
    for path in paths:
        try:
            payload = question_import.parse_question_upload(path.name, path.read_bytes())
        except FileRejected as rejected:
            raise click.ClickException(f"{path.name}: {rejected.message}") from None
        records.extend(replace(record, file=path.name)
                       for record in question_import.records_of_payload(payload))
    return records, None


@click.command("check-bank")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--builtin", is_flag=True, help="检查随平台提供的内置题库文件（默认检查数据库中的启用题目）")
@click.option("--citing", default=None, metavar="法规或标准", help='只列出引用它的题目，如 "GB 2894" 或 "GB 2894-2008"')
@click.option("--max-warnings", default=50, show_default=True, help="最多列出的提示条数（0 表示全部）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（指标、提示）")
@click.option("--strict", is_flag=True, help="有指标未达标时以状态 1 退出（供脚本使用）")
def check_bank_command(paths, builtin, citing, max_warnings, as_json, strict):
    """题库体检: warnings and bank figures for the database bank, the built-in bank or question files."""
    records, location = _health_records(paths, builtin)
    if citing:
        found = questions_citing(records, citing)
        for record in found:
            where = location(record) if location else (f"{record.file}第{record.row}行" if record.file
                                                       else f"第{record.row}行")
            click.echo(f"{where}  {record.stem[:60]}  出处：{record.source}")
        click.echo(f"共 {len(found)} 题引用 {citing}")
        return
    # the shipped bank is held to the shipped editions table (no database needed); the rest also
    # to the trainers' additions
    report = check_bank(records, editions=load_editions() if builtin else bank_health.bank_editions())
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(report.summary_text(max_warnings=max_warnings or None, location=location))
    if strict and not report.ok:
        raise SystemExit(1)


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
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path)  # owner-only before a byte is written (pg_dump keeps an existing file's mode)
    if url.get_backend_name() == "sqlite":
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


@click.command("import-units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并显示将要做的修改，不写入")
def import_units_command(path: Path, dry_run: bool):
    """Import the unit tree from .xlsx/.csv (单位, 上级单位, 类型, 编制人数): all rows or none."""
    try:
        _header, rows, errors, _raw = unit_import.read_unit_rows(path.name, path.read_bytes())
    except FileRejected as rejected:
        raise click.ClickException(rejected.message) from None
    plan = unit_import.plan_unit_import(rows)
    errors = sorted([*errors, *plan.errors], key=lambda error: error.row)
    if errors:
        for error in errors[:MAX_PRINTED_PROBLEMS]:
            click.echo(f"第{error.row}行 {error.column}：{error.message}", err=True)
        raise click.ClickException(f"文件中有 {len(errors)} 处错误，未导入任何单位")
    summary = (f"新增 {plan.count('create')}，修改 {plan.count('update', 'update_move')}，"
               f"移动 {plan.count('move', 'update_move')}，不变 {plan.count('unchanged')}")
    if dry_run:
        for item in plan.units:
            if item.action != "unchanged":
                click.echo(f"第{item.row}行 {item.name}：{item.action}（上级：{item.parent or '顶层'}）")
        click.echo(f"检查通过（未写入）：{summary}")
        return
    try:
        unit_import.apply_unit_rows(rows, path.name, None, now_utc())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"导入完成：{summary}")
