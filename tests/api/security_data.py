"""A small store for the access tests: chats of agents in two teams (north: n1, n2; south: s1,
s2), one agent in no team (x1) and one conversation without an agent, ingested through the real
ingest path (a job run as a worker runs it; each agent's third chat opens without a greeting,
so the default flag rules queue it for review); n1's first chat carries a recording (the sample
call, stored as an upload is); keys of every role, two more scoped ones (south's supervisor,
agent s1), and an expired and a revoked admin key. Served by `iqs serve` in its own process, on
SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.jobs.runtime import Runtime
from api.jobs.tasks import run_job, submit_ingest
from api.security.keys import create_key, revoke_key
from api.settings import Settings
from api.store import queries, tables
from api.store.db import transaction, upgrade
from api.store.queries import calibration, reviews
from api.store.scorecards import find_version
from api.store.tables import utcnow
from scorer.readers import ReaderOptions
from tests.api.pg import pg_schema
from tests.api.serving import REPO, served

TEAMS = {"n1": "north", "n2": "north", "s1": "south", "s2": "south", "x1": None}
CALL = REPO / "samples" / "calls" / "call-0001-stereo.flac"
ROLE_KEYS = ("admin", "qa", "supervisor", "agent", "ml", "integration")
"""Keys of the walk: supervisor leads north, agent is n1."""
QUIET = {"IQS_RATE_LIMIT": "", "IQS_REFUSED_RATE_LIMIT": "", "IQS_WORKERS": "0",
         "IQS_REDACT": "false"}


def chat(external_id: str, agent: str | None, day: int,
         greet: bool = True) -> dict[str, object]:
    """A chat; without `greet` the agent opens with a bare "Hello." (the critical greeting
    fails, so the default scorecard's flag rules send it to the review queue)."""
    record: dict[str, object] = {
        "id": external_id, "channel": "chat", "start_time": f"2026-03-{day:02d}T09:00:00Z",
        "turns": [
            {"role": "agent", "text": "Good morning, my name is Lena, how can I help you?"
             if greet else "Hello."},
            {"role": "customer", "text": f"My order {external_id} never arrived."},
            {"role": "agent", "text": "I'm so sorry about that, let me check it right away."},
            {"role": "agent", "text": "It is on its way. Have a nice day!"}]}
    if agent is not None:
        record["agent_id"] = agent
    return record


@dataclass
class SecureStore:
    backend: str
    url: str
    home: Path
    keys: dict[str, str]
    """Key text by name: the six roles, sup_south, agent_s1, expired, revoked."""
    key_ids: dict[str, str]
    audio_conversation: int
    """n1's chat with a recording."""
    integration_job: str
    """A job the integration key created."""
    other_job: str
    """A job no key created."""
    review_item: int
    """The review queue's item of n1's chat without a greeting (north)."""
    review: int
    """A review (by the admin key) of n1's chat with a recording."""
    client: httpx.Client = field(init=False)

    @property
    def env(self) -> dict[str, str]:
        return {"IQS_HOME": str(self.home), "IQS_DATABASE_URL": self.url, **QUIET}

    def session(self) -> Runtime:
        return Runtime(Settings(home=self.home, database_url=self.url, workers=0))

    def write(self) -> Iterator[Session]:
        """A transaction on the store, outside the server (to set up a walk's attempt)."""
        runtime = self.session()
        try:
            with transaction(runtime.sessions) as session:
                yield session
        finally:
            runtime.close()

    def reopen_item(self) -> str:
        """The walk's review item open again; its claim path."""
        for session in self.write():
            item = session.get(tables.ReviewItem, self.review_item)
            assert item is not None
            item.state, item.claimed_by, item.claimed_at = "open", None, None
        return f"/v1/review-queue/{self.review_item}/claim"

    def new_dispute(self) -> str:
        """A fresh open dispute of the walk's review; its resolve path."""
        for session in self.write():
            dispute = tables.Dispute(review_id=self.review, agent_key_id=self.key_ids["agent"],
                                     comment="walk", state="open", created_at=utcnow())
            session.add(dispute)
            session.flush()
            dispute_id = dispute.id
        return f"/v1/disputes/{dispute_id}/resolve"

    def new_calibration_session(self) -> int:
        """A fresh open calibration session of the walk's conversation (north), reviewed by
        the admin, qa and supervisor keys; its id."""
        for session in self.write():
            reviewers = [self.key_ids[k] for k in ("admin", "qa", "supervisor")]
            found = calibration.create_session(session, "walk", find_version(session, "default"),
                                               [self.audio_conversation], reviewers,
                                               self.key_ids["admin"])
            session_id = found.id
        return session_id

    def call(self, who: str | None, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


def build(backend: str, url: str, home: Path) -> SecureStore:
    runtime = Runtime(Settings(home=home, database_url=url, workers=0, redact=False))
    try:
        upgrade(runtime.engine)
        runtime.prepare()
        records = [chat(f"{agent or 'none'}-{n}", agent, 1 + 3 * i + n, greet=n != 2)
                   for i, agent in enumerate([*TEAMS, None]) for n in range(3)]
        folder = home / "data"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chats.json").write_text(json.dumps(records), encoding="utf-8")
        limit = runtime.settings.max_upload_bytes
        stored = runtime.files.put_path(folder / "chats.json", "chats.json", limit)
        with runtime.sessions() as session:
            version_id = find_version(session, "default").id
        jobs = [submit_ingest(runtime, [stored], version_id, ReaderOptions()) for _ in range(2)]
        for job_id in jobs:
            assert run_job(runtime, job_id) == "done"
        audio = runtime.files.put_path(CALL, CALL.name, limit)
        keys: dict[str, str] = {}
        ids: dict[str, str] = {}
        with transaction(runtime.sessions) as session:
            for agent, team in TEAMS.items():
                queries.update_agent(session, agent, {"team": team})
            session.add(tables.SourceFile(sha256=audio.sha256, filename=audio.name,
                                          size=audio.size, path=audio.path))
            session.flush()
            conversation = session.scalars(select(tables.Conversation).where(
                tables.Conversation.external_id == "n1-0")).one()
            conversation.audio_sha256, conversation.audio_path = audio.sha256, audio.path
            audio_id = conversation.id
            for name, role, teams, own in [
                    *((r, r, ["north"] if r == "supervisor" else [],
                       "n1" if r == "agent" else None) for r in ROLE_KEYS),
                    ("sup_south", "supervisor", ["south"], None),
                    ("agent_s1", "agent", [], "s1"),
                    ("expired", "admin", [], None), ("revoked", "admin", [], None)]:
                row, keys[name] = create_key(session, role, teams, own, name,
                                             1 if name == "expired" else None)
                ids[name] = row.id
                if name == "expired":
                    row.expires_at = utcnow() - timedelta(hours=1)
                if name == "revoked":
                    revoke_key(session, row.id)
            session.get(tables.Job, jobs[0]).key_id = ids["integration"]  # type: ignore[union-attr]
            flagged = session.scalars(select(tables.Conversation.id).where(
                tables.Conversation.external_id == "n1-2")).one()
            item_id = session.scalars(select(tables.ReviewItem.id).where(
                tables.ReviewItem.conversation_id == flagged)).one()
            run = session.scalars(select(tables.ScoreRun).where(
                tables.ScoreRun.conversation_id == audio_id)).first()
            assert run is not None
            review_id = reviews.add_review(session, audio_id, run, {}, "walk review",
                                           ids["admin"], "admin").id
    finally:
        runtime.close()
    return SecureStore(backend, url, home, keys, ids, audio_id, jobs[0], jobs[1], item_id,
                       review_id)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def secure(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureStore]:
    """The store above, served (rate limits off: the walk sends hundreds of requests)."""
    home = tmp_path_factory.mktemp(f"secure-{request.param}")
    if request.param == "sqlite":
        yield from _serve(build("sqlite", f"sqlite:///{home / 'iqs.db'}", home))
    else:
        with pg_schema() as url:
            yield from _serve(build("postgresql", url, home))


def _serve(store: SecureStore) -> Iterator[SecureStore]:
    with served(store.home, **{k: v for k, v in store.env.items() if k != "IQS_HOME"}
                ) as client:
        store.client = client
        yield store
