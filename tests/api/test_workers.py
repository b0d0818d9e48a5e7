"""Workers: `iqs import` into a store through real Celery workers (`iqs worker` processes on
the machine's Redis) with one and with two workers, on PostgreSQL and SQLite; the reaper that
sends a stale job again exactly once; the embedded import (no broker) with its summary, its
exit codes and its idempotency; a worker that refuses a store without the current schema."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from api.jobs import lifecycle
from api.jobs.worker import release_if_owner_dead, requeue_stale, resend_stale
from api.store import tables
from api.store.db import make_engine, session_factory, transaction
from api.store.db import upgrade as upgrade_schema
from api.store.tables import utcnow
from tests.api.helpers_store import (
    PYTHON,
    clean_env,
    counts,
    iqs,
    redis_broker,
    stc3_folder,
    store,
    workers,
)
from tests.api.pg import pg_schema
from tests.api.serving import REPO
from tests.scorer.readers.readers_paths import harper_valley_layout

LEASE = "6"


@pytest.fixture(scope="module")
def broker() -> Iterator[dict[str, str]]:
    with redis_broker() as env:
        yield env


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folders of real dialogues: a (30), b (60: two import jobs)."""
    root = tmp_path_factory.mktemp("corpus")
    stc3_folder(root / "a", 30)
    stc3_folder(root / "b", 60, start=30)
    return root


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An upgraded store (`iqs db upgrade`)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store' / 'iqs.db'}"
        _upgrade(url, tmp_path)
        yield url
    else:
        with pg_schema() as url:
            _upgrade(url, tmp_path)
            yield url


def _upgrade(url: str, home: Path) -> None:
    done = iqs(["db", "upgrade"], clean_env(IQS_DATABASE_URL=url, IQS_HOME=str(home)))
    assert done.returncode == 0, done.stderr
    assert "schema 0001" in done.stdout or "schema" in done.stdout


def _env(url: str, home: Path, broker: dict[str, str]) -> dict[str, str]:
    return clean_env(IQS_DATABASE_URL=url, IQS_HOME=str(home), IQS_JOB_LEASE_SECONDS=LEASE,
                     IQS_ASR_MODEL="tiny.en", **broker)


# --- through Celery --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_import_with_one_worker(database_url: str, tmp_path: Path, broker: dict[str, str],
                                corpus: Path) -> None:
    env = _env(database_url, tmp_path, broker)
    with workers(env, tmp_path, 1):
        done = iqs(["import", str(corpus / "a"), "--wait"], env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "imported 30 conversation(s) from 30 file(s): 30 new" in done.stdout
        again = iqs(["import", str(corpus / "a"), "--wait"], env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "0 new, 30 already stored" in again.stdout
    with store(database_url) as engine:
        found = counts(engine)
    assert found["conversations"] == found["external_ids"] == 30
    assert found["scored"] == 30 and found["duplicate_runs"] == 0
    assert [job["state"] for job in found["jobs"].values()] == ["done", "done"]


@pytest.mark.slow
def test_import_with_two_workers(database_url: str, tmp_path: Path, broker: dict[str, str],
                                 corpus: Path) -> None:
    """The same folder imported twice at the same moment, each import two jobs, on two
    workers: the jobs are shared between the workers, and the files that two jobs store at
    the same moment are stored once."""
    env = _env(database_url, tmp_path, broker)
    with workers(env, tmp_path, 2):
        command = [*PYTHON, "import", str(corpus / "b"), "--wait"]
        running = [subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [process.communicate(timeout=300) for process in running]
    for process, (out, error) in zip(running, outputs, strict=True):
        assert process.returncode == 0, out + error
        assert "imported 60 conversation(s) from 60 file(s)" in out
        assert "(2 of 2 jobs done)" in out
    with store(database_url) as engine:
        found = counts(engine)
    assert found["conversations"] == found["external_ids"] == 60
    assert found["scored"] == 60 and found["duplicate_runs"] == 0
    jobs = found["jobs"].values()
    assert [job["state"] for job in jobs] == ["done"] * 4
    # the jobs ran in both workers' processes
    assert len({job["worker"].split(":")[1] for job in jobs}) == 2


def test_a_worker_refuses_a_store_without_the_schema(tmp_path: Path,
                                                     broker: dict[str, str]) -> None:
    with pg_schema() as url:
        env = clean_env(IQS_DATABASE_URL=url, IQS_HOME=str(tmp_path), **broker)
        refused = iqs(["worker"], env, timeout=60)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "has no IQS schema" in refused.stderr and "iqs db upgrade" in refused.stderr
        current = iqs(["db", "current"], env)
        assert current.returncode == 1 and "needs `iqs db upgrade`" in current.stdout
    no_broker = iqs(["worker"], clean_env(IQS_HOME=str(tmp_path)), timeout=60)
    assert no_broker.returncode == 2 and "IQS_BROKER_URL" in no_broker.stderr


# --- the reaper ------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    def made(url: str) -> Iterator[object]:
        engine = make_engine(url)
        upgrade_schema(engine)
        yield session_factory(engine)
        engine.dispose()

    if request.param == "sqlite":
        yield from made(f"sqlite:///{tmp_path / 'iqs.db'}")
    else:
        with pg_schema() as url:
            yield from made(url)


def _job(sessions: object, state: str, beat_ago: float | None, worker: str = "h:1:t") -> str:
    with transaction(sessions) as session:  # type: ignore[arg-type]
        job = lifecycle.create_job(session, "ingest", {"files": []}, 0)
        job.state, job.worker, job.attempts = state, worker, 1
        if beat_ago is not None:
            job.heartbeat_at = utcnow() - timedelta(seconds=beat_ago)
        job.created_at = utcnow() - timedelta(seconds=beat_ago or 0)
        return job.id


def test_the_reaper_sends_a_stale_job_once(sessions: object) -> None:
    """Four workers' reapers at the same moment: the job whose worker stopped beating is sent
    once, a job still beating is left alone, and a queued job whose message was lost is sent
    again once."""
    stale = _job(sessions, lifecycle.RUNNING, beat_ago=20)
    alive = _job(sessions, lifecycle.RUNNING, beat_ago=1)
    lost = _job(sessions, lifecycle.QUEUED, beat_ago=200)
    sent: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def reap() -> list[str]:
        barrier.wait()

        def send(job_id: str) -> None:
            with lock:
                sent.append(job_id)
        return resend_stale(sessions, 6.0, send)  # type: ignore[arg-type]

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: reap(), range(4)))
    assert sorted(sent) == sorted([stale, lost])
    with sessions() as session:  # type: ignore[operator]
        assert session.get(tables.Job, stale).state == lifecycle.QUEUED
        assert session.get(tables.Job, alive).state == lifecycle.RUNNING
    # sent: not stale any more
    assert not requeue_stale(sessions, stale, 6.0)  # type: ignore[arg-type]
    assert resend_stale(sessions, 6.0, sent.append) == []  # type: ignore[arg-type]


def test_a_job_of_a_dead_local_process_is_taken_over_at_once(sessions: object) -> None:
    import socket

    dead = subprocess.Popen(["true"])
    dead.wait()
    job_id = _job(sessions, lifecycle.RUNNING, beat_ago=0,
                  worker=f"{socket.gethostname()}:{dead.pid}:MainThread")
    elsewhere = _job(sessions, lifecycle.RUNNING, beat_ago=0, worker="other-host:1:MainThread")
    assert release_if_owner_dead(sessions, job_id)  # type: ignore[arg-type]
    assert not release_if_owner_dead(sessions, elsewhere)  # type: ignore[arg-type]
    with sessions() as session:  # type: ignore[operator]
        assert session.get(tables.Job, job_id).state == lifecycle.QUEUED
    assert lifecycle.claim(sessions, job_id, "me", 60)  # type: ignore[arg-type]


# --- the embedded import (no broker) ---------------------------------------------------------

def test_import_without_a_broker(tmp_path: Path) -> None:
    """Harper Valley in its own layout keeps its agents; a README is skipped; a broken file
    is named and the rest stored (exit 1); the same import again stores nothing twice."""
    home = tmp_path / "home"
    folder = tmp_path / "in"
    data = harper_valley_layout(folder)
    stc3_folder(folder / "chats", 5)
    (folder / "README.md").write_text("not a conversation\n")
    (folder / "chats" / "broken.json").write_text('[{"id": "x", "turns": [')
    env = clean_env(IQS_HOME=str(home))
    first = iqs(["import", str(folder)], env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "imported 6 conversation(s) from 8 file(s): 6 new" in first.stdout
    assert "1 file(s) failed" in first.stdout
    assert "failed chats/broken.json: " in first.stderr and "README.md" in first.stderr
    url = f"sqlite:///{home / 'iqs.db'}"
    engine = create_engine(url)
    with engine.connect() as connection:
        agents = set(connection.scalars(select(tables.Conversation.agent_id)))
        imports = connection.execute(select(tables.AuditEvent.role, tables.AuditEvent.detail)
                                     .where(tables.AuditEvent.action == "cli import")).all()
    assert "46" in agents, agents  # from data/metadata/<sid>.json
    assert [(role, detail["files"]) for role, detail in imports] == [("admin-cli", 8)]
    (folder / "chats" / "broken.json").unlink()
    again = iqs(["import", str(folder)], env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 new, 6 already stored; 0 file(s) failed" in again.stdout
    found = counts(engine)
    engine.dispose()
    assert found["conversations"] == 6 and found["duplicate_runs"] == 0
    assert data.is_dir()


def test_import_config_errors_exit_2(tmp_path: Path) -> None:
    env = clean_env(IQS_HOME=str(tmp_path / "home"))
    folder = stc3_folder(tmp_path / "in", 1)
    for args, message in [
        (["--scorecard", "nope"], "scorecard 'nope' not found"),
        (["--format", "docx"], "unknown input format 'docx'"),
    ]:
        done = iqs(["import", str(folder), *args], env)
        assert done.returncode == 2 and message in done.stderr, done.stderr
    missing = iqs(["import", str(tmp_path / "nowhere")], env)
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    bad = iqs(["import", str(folder)], {**env, "IQS_DATABASE_URL": "mysql://x"})
    assert bad.returncode == 2 and "IQS_DATABASE_URL" in bad.stderr
    with pg_schema() as url:
        old = iqs(["import", str(folder)], {**env, "IQS_DATABASE_URL": url})
    assert old.returncode == 2 and "iqs db upgrade" in old.stderr

