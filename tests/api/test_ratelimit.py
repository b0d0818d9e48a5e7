"""Rate limits against `iqs serve`: a key over IQS_RATE_LIMIT gets 429 with Retry-After and the
house error body (audited as refused) while other keys go on; refused attempts from one
address are slowed down (IQS_REFUSED_RATE_LIMIT); with Redis (the broker's, or
IQS_RATE_LIMIT_STORAGE) two server processes share the counts."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from api.store import tables
from scorer.cli import app as iqs_app
from tests.api.helpers_store import redis_broker
from tests.api.serving import served


def new_key(home: Path, role: str = "qa") -> str:
    result = CliRunner().invoke(iqs_app, ["keys", "create", "--role", role],
                                env={"IQS_HOME": str(home)})
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with served(tmp_path, IQS_WORKERS="0"):
        pass  # the store, created as a first start creates it
    return tmp_path


def test_a_key_over_its_limit_waits(home: Path) -> None:
    busy, other = new_key(home), new_key(home)
    with served(home, IQS_WORKERS="0", IQS_RATE_LIMIT="5/minute") as client:
        answers = [client.get("/v1/scorecards", headers=bearer(busy)) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        refused = answers[-1]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        body = refused.json()
        assert body["error"] == "too many requests" and "over its rate limit (5/minute)" in \
            body["message"] and body["fields"] == []
        assert client.get("/v1/scorecards", headers=bearer(other)).status_code == 200
        assert client.get("/health").status_code == 200  # public: no limit
    engine = create_engine(f"sqlite:///{home / 'iqs.db'}")
    with engine.connect() as connection:
        statuses = list(connection.scalars(select(tables.AuditEvent.status).where(
            tables.AuditEvent.outcome == "refused")))
    engine.dispose()
    assert statuses == [429]


def test_refused_attempts_are_slowed_down(home: Path) -> None:
    good = new_key(home)
    with served(home, IQS_WORKERS="0", IQS_REFUSED_RATE_LIMIT="3/minute") as client:
        guesses = [client.get("/v1/agents", headers=bearer(f"iqs_{'0' * 16}_{'x' * 43}"))
                   for _ in range(4)]
        assert [g.status_code for g in guesses] == [401, 401, 401, 429]
        assert "too many refused attempts from 127.0.0.1" in guesses[-1].json()["message"]
        assert int(guesses[-1].headers["retry-after"]) >= 1
        # a valid key from the same address (a proxy, a NAT) is not refused for the guesses
        assert client.get("/v1/agents", headers=bearer(good)).status_code == 200
        assert client.get("/v1/agents").status_code == 429  # no key: still waiting


def test_servers_share_counts_in_redis(home: Path) -> None:
    """Two servers with a Celery broker on Redis: the counts live in that Redis (its database
    and the queue's name keep them apart from other deployments)."""
    key = new_key(home)
    with ExitStack() as stack:
        settings = {**stack.enter_context(redis_broker()), "IQS_WORKERS": "0",
                    "IQS_RATE_LIMIT": "4/minute",
                    "IQS_DATABASE_URL": f"sqlite:///{home / 'iqs.db'}"}
        clients: list[httpx.Client] = [
            stack.enter_context(served(home / f"server-{n}", **settings)) for n in range(2)]
        statuses = [clients[n % 2].get("/v1/scorecards", headers=bearer(key)).status_code
                    for n in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
