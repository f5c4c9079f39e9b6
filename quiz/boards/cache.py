"""Cached boards: recomputed once per board version (or TTL), one request at a time.

* A quiz's **board version** lives in the database (``board_version``) and is bumped by
  :func:`mark_board_changed` inside the transaction that finalizes an attempt, so every
  worker sees a submit as soon as it commits; changes to people, units or the quiz bump
  it in their own flush (:func:`_bump_boards_on_flush`).  Workers read the version at most every
  ``version_check_seconds`` (0.5 s by default); a bump made by this process is seen at
  once.  So a submit shows on the boards within a second.
* Entries are keyed by quiz and section and remember the version they were computed
  for; an entry is fresh while its version is current and it is younger than ``ttl``
  (the TTL is a safety net for changes made outside the app).
* **Single flight**: when an entry is missing or stale, one request takes the lock and
  recomputes; the others keep serving the stale entry meanwhile (or, when there is
  none yet, wait for the lock holder).  Without Redis the store and its locks are per
  process (each gunicorn worker recomputes once); with ``REDIS_URL`` the entries are
  shared and the lock is ``SET NX`` in Redis, so only one request in the whole
  deployment recomputes.  Each process keeps the entry it decoded last, so a warm
  request touches neither the database nor Redis.

No Flask here: the blueprint builds a :class:`BoardCache` from the app's config.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import event, inspect, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..database import dialect_name
from ..extensions import db
from ..models import BoardVersion, Quiz, Unit, User
from . import rankings
from .rankings import Standings, Summary, TrendDay, UnitStanding, UserStanding

log = logging.getLogger(__name__)

#: Process-wide count of version bumps made by this process, per quiz (EVERY_QUIZ: all of them).
_LOCAL_BUMPS: dict[int, int] = {}
EVERY_QUIZ = 0  # quiz ids start at 1

#: What a board shows of people and units: a change to one of these re-ranks every board.
_USER_FIELDS = ("unit", "unit_id", "is_enabled", "display_name", "role")
#: (a unit's parent and retirement change every roll-up above it)
_UNIT_FIELDS = ("name", "kind", "headcount", "parent_id", "parent", "retired_at")


def _bump_statement(dialect_name: str, rows):
    """INSERT the (quiz_id, 1, changed_at) rows that ``rows(insert)`` adds; a quiz that
    already has a version gets it + 1 instead."""
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    statement = rows(insert(BoardVersion))
    return statement.on_conflict_do_update(
        index_elements=["quiz_id"],
        set_={"version": BoardVersion.version + 1, "changed_at": statement.excluded.changed_at},
    )


def mark_board_changed(quiz_id: int, now: datetime) -> None:
    """Bump the quiz's board version in the current transaction (called when an attempt is finalized)."""
    db.session.execute(_bump_statement(dialect_name(), lambda insert: insert.values(
        quiz_id=quiz_id, version=1, changed_at=now)))
    _LOCAL_BUMPS[quiz_id] = _LOCAL_BUMPS.get(quiz_id, 0) + 1


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(db.session, "after_flush")
def _bump_boards_on_flush(session, _flush_context) -> None:
    """Boards show units, headcounts, names and who is enabled, and a quiz's window, pass
    score and metric.  Whatever path changes them (admin pages, the API, a user import,
    self-registration, the command line), the flush that writes it bumps the versions
    of the boards concerned in the same transaction, so they re-rank at once; the TTL is
    only a safety net for changes made outside the app."""
    touched = list(session.new) + list(session.dirty) + list(session.deleted)
    if not touched:
        return
    every_board = any(
        (isinstance(obj, User) and (obj in session.new or obj in session.deleted or _changed(obj, _USER_FIELDS)))
        or (isinstance(obj, Unit) and (obj in session.new or obj in session.deleted or _changed(obj, _UNIT_FIELDS)))
        for obj in touched
    )
    quiz_ids = set() if every_board else {
        obj.id for obj in session.dirty if isinstance(obj, Quiz) and obj.id is not None and session.is_modified(obj)
    }
    if not every_board and not quiz_ids:
        return
    connection = session.connection()
    now = datetime.now(timezone.utc)
    source = select(Quiz.id, literal(1), literal(now, BoardVersion.__table__.c.changed_at.type))
    source = source.where(Quiz.id.in_(quiz_ids)) if quiz_ids else source.where(Quiz.id.is_not(None))
    connection.execute(_bump_statement(connection.dialect.name, lambda insert: insert.from_select(
        ["quiz_id", "version", "changed_at"], source)))
    for key in quiz_ids or (EVERY_QUIZ,):
        _LOCAL_BUMPS[key] = _LOCAL_BUMPS.get(key, 0) + 1


def read_board_version(quiz_id: int) -> int:
    return db.session.scalar(select(BoardVersion.version).where(BoardVersion.quiz_id == quiz_id)) or 0


@dataclass(frozen=True, slots=True)
class BoardState:
    """What a warm board request needs to know about its quiz, read in one query and memoized."""

    version: int
    is_published: bool


def read_board_state(quiz_id: int) -> BoardState | None:
    """The quiz's board version and whether it is published; None when there is no such quiz."""
    row = db.session.execute(
        select(Quiz.is_published, BoardVersion.version)
        .select_from(Quiz)
        .outerjoin(BoardVersion, BoardVersion.quiz_id == Quiz.id)
        .where(Quiz.id == quiz_id)
    ).first()
    return None if row is None else BoardState(row.version or 0, bool(row.is_published))


@dataclass(slots=True)
class Entry:
    version: int
    computed_at: float  # wall-clock seconds (shared between processes through Redis)
    value: Any


# ---------------------------------------------------------------- stores


class MemoryStore:
    """Entries and locks of this process only."""

    shared = False

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def put(self, key: str, entry: Entry) -> None:
        self._entries[key] = entry

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def try_lock(self, key: str, timeout: float = 0) -> str | None:
        acquired = self._lock(key).acquire(timeout=timeout) if timeout else self._lock(key).acquire(blocking=False)
        return "local" if acquired else None

    def unlock(self, key: str, token: str) -> None:
        self._lock(key).release()

    def clear(self) -> None:
        self._entries.clear()


class RedisStore:
    """Entries shared by all workers; the recompute lock is ``SET key token NX PX``."""

    shared = True
    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def __init__(self, client, *, prefix: str = "quiz:boards", lock_seconds: float = 30, poll_seconds: float = 0.02):
        self.client = client
        self.prefix = prefix
        self.lock_ms = int(lock_seconds * 1000)
        self.poll_seconds = poll_seconds
        self._release = client.register_script(self._RELEASE)

    def get(self, key: str) -> Entry | None:
        raw = self.client.get(f"{self.prefix}:{key}")
        if raw is None:
            return None
        data = json.loads(raw)
        return Entry(data["version"], data["computed_at"], data["value"])

    def put(self, key: str, entry: Entry) -> None:
        payload = json.dumps(
            {"version": entry.version, "computed_at": entry.computed_at, "value": entry.value},
            ensure_ascii=False, separators=(",", ":"),
        )
        # Kept a day: stale entries are still served while one request recomputes.
        self.client.set(f"{self.prefix}:{key}", payload, ex=24 * 3600)

    def try_lock(self, key: str, timeout: float = 0) -> str | None:
        token = secrets.token_hex(8)
        deadline = time.monotonic() + timeout
        while True:
            if self.client.set(f"{self.prefix}:lock:{key}", token, nx=True, px=self.lock_ms):
                return token
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.poll_seconds)

    def unlock(self, key: str, token: str) -> None:
        self._release(keys=[f"{self.prefix}:lock:{key}"], args=[token])

    def clear(self) -> None:
        for name in self.client.scan_iter(f"{self.prefix}:*"):
            self.client.delete(name)


class FallbackStore:
    """A shared store (Redis) that, while it fails, is replaced by this process's memory.

    Why: the boards must not fail because Redis is down (restarted, full, unreachable).  A
    failed call is logged once, answered from a :class:`MemoryStore` instead, and the shared
    store is tried again after ``retry_seconds`` (so a dead Redis costs one timeout per
    worker per interval, not one per request).  Entries kept meanwhile are per process, as
    without ``REDIS_URL``.  Values travel encoded either way (``shared`` stays true).
    """

    shared = True

    def __init__(self, primary, *, errors: tuple[type[BaseException], ...] = (OSError,),
                 retry_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.primary = primary
        self.local = MemoryStore()
        self.errors = errors
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        """Whether the shared store answered last time it was asked (or is due to be asked again)."""
        return self.clock() >= self._down_until

    def _call(self, name: str, *args, **kwargs):
        if self.available:
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except self.errors:
                if self._down_until == 0.0:
                    log.warning("board cache: shared store unavailable, using this process's memory", exc_info=True)
                self._down_until = self.clock() + self.retry_seconds
        return getattr(self.local, name)(*args, **kwargs)

    def get(self, key: str) -> Entry | None:
        return self._call("get", key)

    def put(self, key: str, entry: Entry) -> None:
        self._call("put", key, entry)

    def try_lock(self, key: str, timeout: float = 0) -> str | None:
        return self._call("try_lock", key, timeout)

    def unlock(self, key: str, token: str) -> None:
        if token == "local":  # taken in memory while the shared store was down
            self.local.unlock(key, token)
            return
        try:
            self.primary.unlock(key, token)
        except self.errors:
            self._down_until = self.clock() + self.retry_seconds  # the lock expires on its own (PX)

    def clear(self) -> None:
        self.local.clear()
        self._call("clear")


# ---------------------------------------------------------------- the cache


@dataclass(frozen=True)
class Codec:
    """How a section's value travels through a shared store (JSON, never pickle)."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


IDENTITY = Codec(lambda value: value, lambda value: value)


class BoardCache:
    """Board entries by key, each computed once per board version (see the module docstring).

    ``runner``: when given, a stale entry is refreshed in the background (``runner(fn)``
    runs ``fn`` elsewhere, e.g. a thread with its own app context) and the request that
    noticed returns the stale entry at once; a sync worker then never stops serving
    while a board is recomputed.  Without it the noticing request recomputes inline.
    """

    def __init__(self, store=None, *, ttl: float = 300.0, version_check_seconds: float = 0.5,
                 wait_seconds: float = 15.0, clock: Callable[[], float] = time.time,
                 runner: Callable[[Callable[[], None]], None] | None = None):
        self.store = store or MemoryStore()
        self.ttl = ttl
        self.version_check_seconds = version_check_seconds
        self.wait_seconds = wait_seconds
        self.clock = clock
        self.runner = runner
        #: decoded entries of this process (for a shared store; the memory store is its own)
        self._decoded: dict[str, Entry] = {}
        self._states: dict[int, tuple[BoardState | None, float, int]] = {}
        #: how many times this process computed each key (tests and the benchmark read it)
        self.computations: dict[str, int] = {}

    # -- versions

    def state(self, quiz_id: int, read: Callable[[int], BoardState | None] = read_board_state,
              max_age: float | None = None) -> BoardState | None:
        """The quiz's board state, read at most every ``max_age`` seconds (``version_check_seconds`` unless
        the caller accepts older figures, as the big screens do; at once after a local bump)."""
        bumps = _LOCAL_BUMPS.get(quiz_id, 0) + _LOCAL_BUMPS.get(EVERY_QUIZ, 0)
        now = self.clock()
        known = self._states.get(quiz_id)
        max_age = self.version_check_seconds if max_age is None else max_age
        if known is not None and known[2] == bumps and now - known[1] < max_age:
            return known[0]
        state = read(quiz_id)
        self._states[quiz_id] = (state, now, bumps)
        return state

    def version(self, quiz_id: int, max_age: float | None = None) -> int:
        state = self.state(quiz_id, max_age=max_age)
        return state.version if state is not None else 0

    def forget_versions(self) -> None:
        self._states.clear()

    # -- entries

    def is_fresh(self, entry: Entry | None, version: int) -> bool:
        return entry is not None and entry.version == version and self.clock() - entry.computed_at < self.ttl

    def peek(self, key: str) -> Entry | None:
        return self._decoded.get(key) if self.store.shared else self.store.get(key)

    def _remote(self, key: str, codec: Codec) -> Entry | None:
        if not self.store.shared:
            return None
        entry = self.store.get(key)
        if entry is None:
            return None
        local = self._decoded.get(key)
        if local is not None and local.version == entry.version and local.computed_at == entry.computed_at:
            return local
        decoded = Entry(entry.version, entry.computed_at, codec.decode(entry.value))
        self._decoded[key] = decoded
        return decoded

    def _compute(self, key: str, version: int, compute: Callable[[], Any], codec: Codec) -> Entry:
        started = time.perf_counter()
        value = compute()
        entry = Entry(version, self.clock(), value)
        self.computations[key] = self.computations.get(key, 0) + 1
        log.info("board cache: computed %s at version %s in %.0f ms", key, version,
                 (time.perf_counter() - started) * 1000)
        if self.store.shared:
            self.store.put(key, Entry(version, entry.computed_at, codec.encode(value)))
            self._decoded[key] = entry
        else:
            self.store.put(key, entry)
        return entry

    def get(self, key: str, version: int, compute: Callable[[], Any], codec: Codec = IDENTITY,
            wait_fresh: float = 0.0) -> Entry:
        """The entry for ``key`` at ``version``: cached if fresh, else recomputed by one request only.

        ``wait_fresh``: a page a person opens waits up to this many seconds for the
        recompute another request or the background refresh is doing, so that its first
        view after a change already shows it (a slow recompute still serves the stale
        entry once the wait is over).  Polling screens leave it at 0."""
        local = self.peek(key)
        if self.is_fresh(local, version):
            return local
        remote = self._remote(key, codec)
        if self.is_fresh(remote, version):
            return remote
        stale = remote or local
        token = self.store.try_lock(key)
        if token is None and stale is not None:
            # someone else is recomputing: serve what we have meanwhile
            return self._await_fresh(key, version, codec, wait_fresh) or stale
        if token is None:
            token = self._wait_for(key, version, codec)
            if isinstance(token, Entry):
                return token
        if stale is not None and self.runner is not None and token is not None:
            self.runner(lambda: self._refresh(key, version, compute, codec, token))
            # refreshed in the background; this request waits at most wait_fresh for it
            return self._await_fresh(key, version, codec, wait_fresh) or stale
        try:
            # Double-checked: the previous lock holder may have just stored it.
            current = self._remote(key, codec) if self.store.shared else self.store.get(key)
            if self.is_fresh(current, version):
                return current
            return self._compute(key, version, compute, codec)
        finally:
            if token is not None:
                self.store.unlock(key, token)

    def _refresh(self, key: str, version: int, compute: Callable[[], Any], codec: Codec, token: str) -> None:
        """Recompute ``key`` while holding its lock (in the background), then release the lock."""
        try:
            current = self._remote(key, codec) if self.store.shared else self.store.get(key)
            if not self.is_fresh(current, version):
                self._compute(key, version, compute, codec)
        except Exception:
            log.exception("board cache: background refresh of %s failed", key)
        finally:
            self.store.unlock(key, token)

    def _await_fresh(self, key: str, version: int, codec: Codec, seconds: float) -> Entry | None:
        """The entry at ``version`` once another thread or process has stored it, or None
        after ``seconds``."""
        deadline = time.monotonic() + seconds
        while seconds > 0:
            entry = self._remote(key, codec) if self.store.shared else self.store.get(key)
            if self.is_fresh(entry, version):
                return entry
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)
        return None

    def _wait_for(self, key: str, version: int, codec: Codec) -> Entry | str | None:
        """Nothing to serve yet: wait until the lock holder stores the entry, or take the lock."""
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            token = self.store.try_lock(key, timeout=0.05)
            if token is not None:
                return token
            entry = self._remote(key, codec) if self.store.shared else self.store.get(key)
            if entry is not None and entry.version == version:
                return entry
        log.warning("board cache: gave up waiting for %s; computing without the lock", key)
        return None

    def clear(self) -> None:
        self.store.clear()
        self._decoded.clear()
        self._states.clear()


# ---------------------------------------------------------------- sections


def _encode_row(obj) -> list:
    """A dataclass as a list of its fields' values, in declaration order (datetimes as timestamps,
    dates as ISO text): built from ``dataclasses.fields``, so a new field travels without edits here."""
    values = []
    for item in fields(obj):
        value = getattr(obj, item.name)
        if isinstance(value, datetime):
            value = value.timestamp()
        elif isinstance(value, date):
            value = value.isoformat()
        values.append(value)
    return values


def _decode_row(cls, row: list):
    """The inverse of :func:`_encode_row` for the dataclass `cls`.  A row cached before fields with
    defaults were added (the tree's ``parent_id``, ``children``) is shorter: those take their defaults."""
    values = {}
    known = fields(cls)
    if len(row) > len(known) or any(item.default is MISSING and item.default_factory is MISSING
                                    for item in known[len(row):]):
        raise ValueError(f"a cached {cls.__name__} row of {len(row)} values")
    for item, value in zip(known, row):
        kind = str(item.type)
        if value is not None and kind.startswith("datetime"):
            value = datetime.fromtimestamp(value, timezone.utc)
        elif value is not None and kind.startswith("date"):
            value = date.fromisoformat(value)
        values[item.name] = value
    return cls(**values)


def _encode_standings(s: Standings) -> dict:
    return {
        "quiz_id": s.quiz_id, "metric": s.metric, "updated_at": s.updated_at.timestamp(), "max_score": s.max_score,
        "pass_score": s.pass_score,
        "units": [_encode_row(u) for u in s.units],
        "summary": None if s.summary is None else _encode_row(s.summary),
        "users": None if s.users is None else [_encode_row(u) for u in s.users],
        "rollup": None if s.rollup is None else [_encode_row(u) for u in s.rollup],
        "retired": list(s.retired),
    }


def _decode_standings(d: dict) -> Standings:
    standings = Standings(
        quiz_id=d["quiz_id"], metric=d["metric"], updated_at=datetime.fromtimestamp(d["updated_at"], timezone.utc),
        max_score=d["max_score"], pass_score=d["pass_score"],
        units=[_decode_row(UnitStanding, row) for row in d["units"]],
        summary=None if d["summary"] is None else _decode_row(Summary, d["summary"]),
        users=None if d["users"] is None else [_decode_row(UserStanding, row) for row in d["users"]],
        # entries cached before the unit tree have neither (child_standings then computes afresh)
        rollup=None if d.get("rollup") is None else [_decode_row(UnitStanding, row) for row in d["rollup"]],
        retired=list(d.get("retired") or []),
    )
    return standings.index()


def _encode_trend(days: list[TrendDay]) -> list:
    return [_encode_row(day) for day in days]


def _decode_trend(rows: list) -> list[TrendDay]:
    return [_decode_row(TrendDay, row) for row in rows]


STANDINGS = Codec(_encode_standings, _decode_standings)
TREND = Codec(_encode_trend, _decode_trend)


def _quiz(quiz_id: int) -> Quiz:
    """The quiz, loaded only when a board is (re)computed: warm requests never load it."""
    return db.session.get(Quiz, quiz_id)


def cached_units(cache: BoardCache, quiz_id: int, now: datetime, wait_fresh: float = 0.0,
                 max_age: float | None = None) -> Entry:
    """The unit board and contest summary (``entry.value`` is a Standings without users)."""
    return cache.get(f"{quiz_id}:units", cache.version(quiz_id, max_age),
                     lambda: rankings.get_standings(_quiz(quiz_id), now, units=True, users=False), STANDINGS,
                     wait_fresh)


def cached_users(cache: BoardCache, quiz_id: int, now: datetime, wait_fresh: float = 0.0,
                 max_age: float | None = None) -> Entry:
    """The individual board (``entry.value`` is a Standings with users, without units)."""
    return cache.get(f"{quiz_id}:users", cache.version(quiz_id, max_age),
                     lambda: rankings.get_standings(_quiz(quiz_id), now, units=False, users=True), STANDINGS,
                     wait_fresh)


def cached_trend(cache: BoardCache, quiz_id: int, now: datetime, wait_fresh: float = 0.0) -> Entry:
    """The daily participation (``entry.value`` is a list of TrendDay)."""
    headcount = cached_units(cache, quiz_id, now, wait_fresh).value.summary.headcount
    return cache.get(f"{quiz_id}:trend", cache.version(quiz_id),
                     lambda: rankings.participation_trend(_quiz(quiz_id), now, headcount), TREND, wait_fresh)
