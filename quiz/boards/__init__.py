"""Ranking boards: unit and individual boards, charts, exports, the campaign summary and the big screen."""

from __future__ import annotations

import os

import redis
from flask import Blueprint, current_app

from ..services.board_cache import BoardCache, MemoryStore, RedisStore

bp = Blueprint("boards", __name__, url_prefix="/boards")


@bp.record_once
def _set_up(state) -> None:
    """Defaults (the environment may override them) and the app's board cache."""
    app = state.app
    env = os.environ
    app.config.setdefault("BOARD_CACHE_SECONDS", float(env.get("BOARD_CACHE_SECONDS", 30)))
    app.config.setdefault("BOARD_VERSION_CHECK_SECONDS", float(env.get("BOARD_VERSION_CHECK_SECONDS", 0.5)))
    #: how often the big screen fetches new figures, and how long each of its pages stays up
    app.config.setdefault("BOARD_DISPLAY_REFRESH_SECONDS", int(env.get("BOARD_DISPLAY_REFRESH_SECONDS", 15)))
    app.config.setdefault("BOARD_DISPLAY_SLIDE_SECONDS", int(env.get("BOARD_DISPLAY_SLIDE_SECONDS", 12)))
    if app.config.get("REDIS_URL"):
        store = RedisStore(redis.Redis.from_url(app.config["REDIS_URL"]),
                           prefix=app.config.get("BOARD_REDIS_PREFIX", "quiz:boards"))
    else:
        store = MemoryStore()
    app.extensions["board_cache"] = BoardCache(
        store,
        ttl=app.config["BOARD_CACHE_SECONDS"],
        version_check_seconds=app.config["BOARD_VERSION_CHECK_SECONDS"],
    )


def board_cache() -> BoardCache:
    return current_app.extensions["board_cache"]


from . import display, routes  # noqa: E402,F401  (views register themselves on bp)
