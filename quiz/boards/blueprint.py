"""The boards blueprint, its settings and the app's board cache (with its background refresh)."""

from __future__ import annotations

import os
import threading

from flask import Blueprint, current_app

from ..database import transaction_mode
from .cache import BoardCache, FallbackStore, MemoryStore, RedisStore

bp = Blueprint("boards", __name__, url_prefix="/boards")


class AppThreadRunner:
    """Runs background board refreshes in daemon threads, each with its own app context and session."""

    def __init__(self, app):
        self.app = app
        self.threads: list[threading.Thread] = []

    def __call__(self, fn) -> None:
        def run():
            # reads only: SQLite's plain BEGIN, never the write lock
            with self.app.app_context(), transaction_mode(may_write=False):
                fn()

        thread = threading.Thread(target=run, name="board-refresh", daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()

    def join(self, timeout: float = 10) -> None:
        for thread in list(self.threads):
            thread.join(timeout)


@bp.record_once
def _set_up(state) -> None:
    """Defaults (the environment may override them) and the app's board cache."""
    app = state.app
    env = os.environ
    app.config.setdefault("BOARD_CACHE_SECONDS", float(env.get("BOARD_CACHE_SECONDS", 300)))
    app.config.setdefault("BOARD_VERSION_CHECK_SECONDS", float(env.get("BOARD_VERSION_CHECK_SECONDS", 0.5)))
    #: how often the big screen fetches new figures, and how long each of its pages stays up
    app.config.setdefault("BOARD_DISPLAY_REFRESH_SECONDS", int(env.get("BOARD_DISPLAY_REFRESH_SECONDS", 15)))
    app.config.setdefault("BOARD_DISPLAY_SLIDE_SECONDS", int(env.get("BOARD_DISPLAY_SLIDE_SECONDS", 12)))
    #: how long a board page waits for a refresh in progress, so its first view after a change shows it
    app.config.setdefault("BOARD_PAGE_FRESH_WAIT_SECONDS", float(env.get("BOARD_PAGE_FRESH_WAIT_SECONDS", 1.0)))
    #: refresh stale boards in a background thread (off in tests unless a test turns it on)
    app.config.setdefault("BOARD_BACKGROUND_REFRESH", env.get("BOARD_BACKGROUND_REFRESH", "1") != "0"
                          and not app.testing)
    if app.config.get("REDIS_URL"):
        import redis  # noqa: PLC0415 - only deployments that share a cache load the client (6 MiB)

        timeout = app.config.get("REDIS_TIMEOUT_SECONDS", 0.5)
        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout)
        store = FallbackStore(RedisStore(client, prefix=app.config.get("BOARD_REDIS_PREFIX", "quiz:boards")),
                              errors=(redis.RedisError, OSError))
    else:
        store = MemoryStore()
    app.extensions["board_cache"] = BoardCache(
        store,
        ttl=app.config["BOARD_CACHE_SECONDS"],
        version_check_seconds=app.config["BOARD_VERSION_CHECK_SECONDS"],
        runner=AppThreadRunner(app) if app.config["BOARD_BACKGROUND_REFRESH"] else None,
    )


def board_cache() -> BoardCache:
    return current_app.extensions["board_cache"]


def page_wait() -> float:
    """How long a board page a person opens waits for a refresh in progress (see BoardCache.get)."""
    return current_app.config["BOARD_PAGE_FRESH_WAIT_SECONDS"]
