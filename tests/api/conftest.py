"""A store filled through the real ingest path, on SQLite and on the machine's PostgreSQL (a
schema of its own; skipped only when the server is unreachable), shared by the read tests
(queries, the read API, the store's CLI commands).

What is in it: the sample chats (samples/chats), the ABCD sample (conversations without an
agent), 96 STC-3 customer-helpdesk dialogues (English) given agents and times spread over eight
weeks, and the stereo sample call (transcribed by tiny.en, its recording kept); all scored under
the bundled "default" scorecard, then rescored (a rescore job) under "lenient", the same
scorecard without critical criteria (most STC-3 agents never greet: under "default" their
conversations score 0, under "lenient" their scores spread)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from api.jobs import lifecycle
from api.jobs.runtime import Runtime
from api.jobs.tasks import RESCORE, run_job, submit_ingest
from api.settings import Settings
from api.store import tables
from api.store.db import transaction, upgrade
from api.store.files import StoredFile
from api.store.scorecards import add_version, find_version
from corpora.paths import corpus_dir
from scorer.asr.options import TranscriptionOptions
from scorer.conversation import Channel
from scorer.criteria.base import CriterionResult
from scorer.readers import READERS, ReaderOptions, read_file
from scorer.scoring import ConversationScore
from tests.api.pg import pg_schema
from tests.api.serving import REPO, served

STC3_COUNT = 96
STC3_AGENTS = ("stc-ana", "stc-ben", "stc-cai", "stc-dee")
STC3_START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday
CALL = REPO / "samples" / "calls" / "call-0001-stereo.flac"


@dataclass
class ReadStore:
    backend: str
    url: str
    home: Path
    runtime: Runtime
    version_id: int
    """The "default" scorecard's version."""
    lenient_id: int
    """The "lenient" scorecard's version (no critical criteria)."""
    conversation_ids: list[int]

    def version(self, name: str) -> int:
        return {"default": self.version_id, "lenient": self.lenient_id}[name]

    @property
    def env(self) -> dict[str, str]:
        """The IQS_ settings of a process that reads this store."""
        return {"IQS_HOME": str(self.home), "IQS_DATABASE_URL": self.url, "IQS_WORKERS": "0"}


def stc3_with_agents(target: Path) -> Path:
    """STC-3 dialogues as IQS JSON Lines, each given an agent (every 24th none) and a start
    time 26 hours after the one before, two by two (equal times: the listing's tie-break)."""
    source = corpus_dir("stc3_dch1") / "train_data_en.json"
    conversations = read_file(source, ReaderOptions())[:STC3_COUNT]
    lines = []
    for index, conversation in enumerate(conversations):
        agent = None if index % 24 == 5 else STC3_AGENTS[index % len(STC3_AGENTS)]
        start = STC3_START + timedelta(hours=26 * (index // 2))
        lines.append(conversation.model_copy(update={
            "agent_id": agent, "start_time": start, "source": None,
        }).model_dump_json(exclude_none=True))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def input_files(folder: Path) -> list[tuple[Path, str]]:
    """(path, name in the batch) of every file of the store's data."""
    extensions = tuple(e for reader in READERS.values() for e in reader.extensions)
    chats = sorted(p for p in (REPO / "samples" / "chats").iterdir()
                   if p.suffix.lower() in extensions)
    return [*((p, f"chats/{p.name}") for p in chats),
            (corpus_dir("abcd_sample") / "abcd_sample.json", "abcd/abcd_sample.json"),
            (stc3_with_agents(folder / "stc3_agents.jsonl"), "stc3/stc3_agents.jsonl"),
            (CALL, f"calls/{CALL.name}"),
            (CALL.with_suffix(".yaml"), f"calls/{CALL.with_suffix('.yaml').name}")]


def rescore_lenient(runtime: Runtime, ids: list[int]) -> int:
    """Add the "lenient" scorecard and rescore every conversation under it, as a job; its
    version id."""
    content = (runtime.settings.scorecard_dir / "default.yaml").read_text(encoding="utf-8")
    content = re.sub(r"^name: default$", "name: lenient", content, flags=re.MULTILINE)
    content = content.replace("critical: true", "critical: false")
    with transaction(runtime.sessions) as session:
        version_id = add_version(session, content).id
        job_id = lifecycle.create_job(session, RESCORE, {"scorecard_version_id": version_id,
                                                         "conversation_ids": ids}, len(ids)).id
    assert run_job(runtime, job_id) == "done"
    return version_id


def fill(runtime: Runtime, folder: Path) -> list[int]:
    """Ingest the data as one job, run as a worker runs it; the conversation ids."""
    limit = runtime.settings.max_upload_bytes
    files: list[StoredFile] = [runtime.files.put_path(path, name, limit)
                               for path, name in input_files(folder)]
    with runtime.sessions() as session:
        version_id = find_version(session, "default").id
    options = ReaderOptions(asr=TranscriptionOptions(model="tiny.en"))
    job_id = submit_ingest(runtime, files, version_id, options)
    assert run_job(runtime, job_id) == "done"
    with runtime.sessions() as session:
        job = session.get(tables.Job, job_id)
        assert job is not None
        assert job.result.get("failures", []) == [], job.result["failures"]
        ids: list[int] = job.result["conversation_ids"]
        scored = session.scalar(select(func.count(func.distinct(tables.ScoreRun.conversation_id))))
    assert scored == len(ids)
    return ids


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def read_store(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadStore]:
    home = tmp_path_factory.mktemp(f"read-store-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'iqs.db'}"
        yield from _store("sqlite", url, home)
    else:
        with pg_schema() as url:
            yield from _store("postgresql", url, home)


def _store(backend: str, url: str, home: Path) -> Iterator[ReadStore]:
    runtime = Runtime(Settings(home=home, database_url=url, workers=0))
    try:
        upgrade(runtime.engine)
        runtime.prepare()
        ids = fill(runtime, home)
        lenient_id = rescore_lenient(runtime, ids)
        with runtime.sessions() as session:
            version_id = find_version(session, "default").id
        yield ReadStore(backend, url, home, runtime, version_id, lenient_id, ids)
    finally:
        runtime.close()


@pytest.fixture(scope="session")
def read_api(read_store: ReadStore) -> Iterator[httpx.Client]:
    """`iqs serve` in its own process over the filled store."""
    with served(read_store.home / "server", IQS_DATABASE_URL=read_store.url,
                IQS_AUDIO_DIR=str(read_store.runtime.files.root), IQS_WORKERS="0") as client:
        yield client


@dataclass
class Stored:
    """A stored conversation and its latest run, read with the ORM alone (what the queries
    under test are checked against)."""

    conversation: tables.Conversation
    run: tables.ScoreRun
    team: str | None

    def score(self) -> ConversationScore:
        c, run = self.conversation, self.run
        return ConversationScore(
            id=c.external_id, agent_id=c.agent_id, channel=Channel(c.channel),
            language=c.language, score=run.score, weighted_score=run.weighted_score,
            passed=run.passed, critical_failures=list(run.critical_failures),
            criteria={r.name: CriterionResult(name=r.name, score=r.score, passed=r.passed,
                                              applicable=r.applicable, confidence=r.confidence)
                      for r in run.results})


def stored(store: ReadStore, version: str) -> list[Stored]:
    """Every conversation with a run under the scorecard's version, with its latest run."""
    with store.runtime.sessions() as session:
        runs = session.scalars(select(tables.ScoreRun)
                               .where(tables.ScoreRun.scorecard_version_id
                                      == store.version(version))
                               .options(selectinload(tables.ScoreRun.results))).all()
        latest: dict[int, tables.ScoreRun] = {}
        for run in runs:
            if run.conversation_id not in latest or run.id > latest[run.conversation_id].id:
                latest[run.conversation_id] = run
        conversations = {c.id: c for c in session.scalars(select(tables.Conversation))}
        teams = {a.id: a.team_id for a in session.scalars(select(tables.Agent))}
    return [Stored(conversations[i], run, teams.get(conversations[i].agent_id or ""))
            for i, run in latest.items()]


@pytest.fixture
def stored_now(read_store: ReadStore) -> Callable[..., list[Stored]]:
    """The store's conversations and their latest runs under a scorecard ("default" or
    "lenient"), read when called."""
    return lambda version="default": stored(read_store, version)
