"""`flask training ...` commands."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from ..models import Category, User
from . import levels, notebook
from ..services.clock import now_utc
from .blueprint import bp


@bp.cli.command("sync")
def sync_command():
    """Put answers of attempts whose review has opened since (after_close) into notebooks and mastery."""
    count = notebook.sync_user(None, now_utc())
    db.session.commit()
    click.echo(f"已同步 {count} 份答卷")


@bp.cli.command("seed-levels")
@click.option("--trainer", "username", default="trainer", show_default=True, help="创建者用户名")
def seed_levels_command(username):
    """Create the demo 安全知识闯关 series (five levels over the built-in bank)."""
    creator = db.session.scalar(select(User).where(User.username == username))
    category_ids = dict(db.session.execute(select(Category.name, Category.id)).all())
    series = levels.seed_demo_series(creator, category_ids, now_utc())
    db.session.commit()
    click.echo(f"已创建闯关“{series.title}”（{len(levels.series_levels(series))} 关）")
