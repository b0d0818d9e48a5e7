"""API keys: `iqs_<id>_<secret>`, shown once when created. The store keeps the id (public: it
names the key in the audit log) and the SHA-256 of the secret, never the secret; a presented
key is compared with `hmac.compare_digest`.

A serving process caches what it read of a key for `key_cache_seconds` (default 5 s), so a
revoked key stops working within that long in every process; `last_used_at` is written at most
once a minute per key and process."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.security.roles import Role
from api.store import tables
from api.store.db import transaction
from api.store.tables import utcnow
from scorer.errors import ConfigError

log = logging.getLogger("iqs.security")

PREFIX = "iqs"
KEY = re.compile(r"^iqs_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")
TOUCH_SECONDS = 60.0
CACHE_MAX = 10_000


class KeyProblem(ConfigError):
    """A key that cannot be created or revoked as asked."""


class Unauthenticated(Exception):
    """A presented key that is not (or no longer) valid; the message says why."""


@dataclass(frozen=True)
class KeyInfo:
    """What a request needs of a key (cached; no secret, only its hash)."""

    id: str
    name: str
    role: Role
    teams: frozenset[str]
    agent_id: str | None
    secret_sha256: str
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: tables.ApiKey) -> KeyInfo:
        return cls(row.id, row.name, Role(row.role), frozenset(t.team_id for t in row.teams),
                   row.agent_id, row.secret_sha256, row.expires_at, row.revoked_at)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def active(now: datetime | None = None) -> ColumnElement[bool]:
    """The condition of keys neither revoked nor expired."""
    k = tables.ApiKey
    return and_(k.revoked_at.is_(None),
                or_(k.expires_at.is_(None), k.expires_at > (now or utcnow())))


def active_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(tables.ApiKey).where(active()))
               or 0)


def create_key(session: Session, role: str, teams: Iterable[str] = (), agent_id: str | None = None,
               name: str | None = None, expires_days: int | None = None,
               ) -> tuple[tables.ApiKey, str]:
    """A new key and its full text (shown once). Supervisors lead at least one team; an agent
    key names its agent; other roles take neither."""
    try:
        chosen = Role(role)
    except ValueError:
        raise KeyProblem(f"unknown role {role!r}; choose one of "
                        f"{', '.join(r.value for r in Role)}", location="--role") from None
    team_ids = sorted(set(teams))
    if chosen is Role.SUPERVISOR and not team_ids:
        raise KeyProblem("a supervisor key needs the teams it leads: --team T (repeatable)",
                        location="--team")
    if chosen is not Role.SUPERVISOR and team_ids:
        raise KeyProblem(f"--team is for supervisor keys, not {chosen.value}", location="--team")
    if chosen is Role.AGENT and not agent_id:
        raise KeyProblem("an agent key needs its agent: --agent ID", location="--agent")
    if chosen is not Role.AGENT and agent_id:
        raise KeyProblem(f"--agent is for agent keys, not {chosen.value}", location="--agent")
    if expires_days is not None and expires_days < 1:
        raise KeyProblem("must be at least 1 day", location="--expires-days")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = tables.ApiKey(
        id=key_id, name=name or f"{chosen.value} key", role=chosen.value, agent_id=agent_id,
        secret_sha256=digest(secret), created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
        teams=[tables.ApiKeyTeam(key_id=key_id, team_id=t) for t in team_ids])
    session.add(row)
    session.flush()
    return row, f"{PREFIX}_{key_id}_{secret}"


def list_keys(session: Session) -> list[tables.ApiKey]:
    return list(session.scalars(select(tables.ApiKey).order_by(tables.ApiKey.created_at,
                                                                tables.ApiKey.id)))


def revoke_key(session: Session, key_id: str) -> tables.ApiKey:
    """Revoke a key (revoking it again keeps the first time); KeyProblem when unknown."""
    row = session.get(tables.ApiKey, key_id)
    if row is None:
        raise KeyProblem(f"no API key {key_id!r} (see `iqs keys list`)", location="ID")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row


class KeyRing:
    """Key lookups of one serving process, cached briefly; `open_store()` tells whether no
    key is active (open mode on loopback)."""

    def __init__(self, sessions: sessionmaker[Session], ttl: float) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[float, KeyInfo | None]] = {}
        self._no_keys: tuple[float, bool] | None = None
        self._touched: dict[str, float] = {}

    def no_active_key(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._no_keys is not None and now < self._no_keys[0]:
                return self._no_keys[1]
        with self.sessions() as session:
            empty = session.scalar(select(tables.ApiKey.id).where(active()).limit(1)) is None
        with self._lock:
            self._no_keys = (now + self.ttl, empty)
        return empty

    def lookup(self, key_id: str) -> KeyInfo | None:
        now = time.monotonic()
        with self._lock:
            cached = self._keys.get(key_id)
            if cached is not None and now < cached[0]:
                return cached[1]
        with self.sessions() as session:
            row = session.get(tables.ApiKey, key_id)
            info = KeyInfo.of(row) if row is not None else None
        with self._lock:
            if len(self._keys) >= CACHE_MAX:  # guessed ids must not grow it without bound
                self._keys.clear()
            self._keys[key_id] = (now + self.ttl, info)
        return info

    def authenticate(self, presented: str) -> KeyInfo:
        """The key's info; Unauthenticated saying why not (malformed, not recognised, expired,
        revoked). Expiry and revocation are told only to a holder of the right secret."""
        match = KEY.match(presented.strip())
        if match is None:
            raise Unauthenticated("malformed API key: expected iqs_<id>_<secret> as "
                                  "`iqs keys create` printed it")
        key_id, secret = match.groups()
        info = self.lookup(key_id)
        if info is None or not hmac.compare_digest(digest(secret), info.secret_sha256):
            raise Unauthenticated("API key not recognised")
        now = utcnow()
        if info.revoked_at is not None:
            raise Unauthenticated(f"API key {key_id} was revoked at "
                                  f"{info.revoked_at.isoformat(timespec='seconds')}")
        if info.expires_at is not None and info.expires_at <= now:
            raise Unauthenticated(f"API key {key_id} expired at "
                                  f"{info.expires_at.isoformat(timespec='seconds')}")
        self.touch(key_id)
        return info

    def touch(self, key_id: str) -> None:
        """Write last_used_at, at most once a minute per key (a failure is logged, not
        raised: the request goes on)."""
        now = time.monotonic()
        with self._lock:
            if now - self._touched.get(key_id, -TOUCH_SECONDS) < TOUCH_SECONDS:
                return
            self._touched[key_id] = now
        try:
            with transaction(self.sessions) as session:
                session.execute(update(tables.ApiKey).where(tables.ApiKey.id == key_id)
                                .values(last_used_at=utcnow()))
        except Exception:
            log.exception("last_used_at of API key %s not written", key_id)
