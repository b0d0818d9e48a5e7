"""Faults, each with real processes and real servers: a Celery worker killed with SIGKILL
mid-transcription (the job finishes once), PostgreSQL restarted during an import (nothing lost
or duplicated once the import is run again), and `iqs serve` killed while its embedded worker
runs a job (the restarted server resumes it and finishes it once).

Each test prints its counts (jobs killed, jobs finished, duplicates, conversations lost); run
with `-s` to see them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from api.store import tables
from tests.api.helpers_store import (
    PYTHON,
    clean_env,
    counts,
    iqs,
    job_ids_of,
    job_row,
    owner_of,
    redis_broker,
    stc3_folder,
    store,
    wait_for,
    workers,
)
from tests.api.pg import SERVER as PG_SERVER
from tests.api.pg import pg_schema
from tests.api.serving import REPO, served

CALLS = REPO / "samples" / "calls"
LEASE = "6"
TRANSCRIBING = "Processing audio with duration"
"""What the speech recogniser logs as it starts on a recording: the moment of the kill."""


def _report(what: str, **numbers: int) -> None:
    print(f"\n[fault] {what}: " + ", ".join(f"{k.replace('_', ' ')}={v}"
                                            for k, v in numbers.items()))


def _conversations(engine: object) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.scalar(select(func.count(tables.Conversation.id))) or 0)


@pytest.fixture(scope="module")
def broker() -> Iterator[dict[str, str]]:
    with redis_broker() as env:
        yield env


@pytest.fixture
def pg_store(tmp_path: Path) -> Iterator[str]:
    with pg_schema() as url:
        done = iqs(["db", "upgrade"], clean_env(IQS_DATABASE_URL=url, IQS_HOME=str(tmp_path)))
        assert done.returncode == 0, done.stderr
        yield url


def _call_folder(target: Path, call: str, repeat: int = 1) -> Path:
    """The sample call and its metadata; the audio said `repeat` times over, so that its
    transcription outlasts the `iqs import` command that queues it (the test kills it then)."""
    target.mkdir(parents=True)
    shutil.copy(CALLS / f"{call}.yaml", target / f"{call}.yaml")
    samples, rate = soundfile.read(CALLS / f"{call}.flac", always_2d=True)
    soundfile.write(target / f"{call}.flac", np.tile(samples, (repeat, 1)), rate)
    return target


# --- a Celery worker killed mid-transcription ------------------------------------------------

@pytest.mark.slow
def test_a_worker_killed_mid_transcription(pg_store: str, broker: dict[str, str],
                                           tmp_path: Path) -> None:
    """Two workers, a call recording each job. Job 1: the whole worker running it is killed
    (SIGKILL to its process group) while it transcribes; after the lease the other worker's
    reaper sends it again. Job 2: only the pool process running it is killed; the worker gives
    the message back and the job is taken over at once. Both finish once: one conversation
    per call, one score run each."""
    env = clean_env(IQS_DATABASE_URL=pg_store, IQS_HOME=str(tmp_path / "home"),
                    IQS_JOB_LEASE_SECONDS=LEASE, IQS_ASR_MODEL="tiny.en", **broker)
    killed, stored_at_kill = 0, []
    with store(pg_store) as engine, workers(env, tmp_path, 2) as pool:
        jobs = []
        # The mono call is short and quick: four times over, it is still being transcribed
        # when the test looks for it.
        for number, (call, repeat) in enumerate([("call-0001-stereo", 1),
                                                 ("call-0002-mono", 4)]):
            folder = _call_folder(tmp_path / f"in-{number}", call, repeat)
            queued = iqs(["import", str(folder)], env)
            assert queued.returncode == 0, queued.stdout + queued.stderr
            [job_id] = job_ids_of(queued.stdout)
            jobs.append(job_id)
            running = wait_for(lambda j=job_id: (lambda r: r if r.state == "running" else None)(
                job_row(engine, j)), 120, f"job {job_id} to run", interval=0.05)
            victim = owner_of(running.worker, pool)
            started = f"job {job_id} (ingest) started by {running.worker}"
            wait_for(lambda v=victim, s=started: TRANSCRIBING in v.output().partition(s)[2],
                     120, "the transcription to start", interval=0.05)
            if number == 0:
                victim.kill()  # the worker and its pool: nobody gives the message back
                pool = [w for w in pool if w is not victim]
            else:
                os.kill(int(running.worker.split(":")[1]), signal.SIGKILL)  # one pool child
            killed += 1
            stored_at_kill.append(_conversations(engine))
            finished = wait_for(lambda j=job_id: (lambda r: r if r.state in ("done", "failed")
                                                  else None)(job_row(engine, j)),
                                180, f"job {job_id} to finish after the kill")
            assert finished.state == "done", finished.error
            assert finished.attempts >= 2
            assert finished.worker != running.worker
        found = counts(engine)
    finished_jobs = sum(1 for job in found["jobs"].values() if job["state"] == "done")
    _report("worker killed mid-transcription", jobs_killed=killed, jobs_finished=finished_jobs,
            duplicates=found["duplicate_runs"] + found["conversations"] - found["external_ids"],
            conversations_lost=2 - found["conversations"],
            conversations_stored_when_killed=sum(stored_at_kill))
    assert stored_at_kill == [0, 1]  # killed before the call's conversation was stored
    assert found["conversations"] == found["external_ids"] == 2
    assert found["scored"] == 2 and found["duplicate_runs"] == 0
    assert finished_jobs == 2
    with store(pg_store) as engine, engine.connect() as connection:
        agents = set(connection.scalars(select(tables.Conversation.agent_id)))
    assert agents == {"a-sarah", "a-leo"}  # from each call's .yaml


# --- PostgreSQL restarted during an import ---------------------------------------------------

def _restart_postgresql() -> str:
    """Restart the machine's PostgreSQL (a short outage: every connection is cut, other
    clients' too; IQS_TEST_PG_RESTART=0 cuts only the importer's); how it was done."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    allowed = os.environ.get("IQS_TEST_PG_RESTART", "1") != "0"
    if allowed and versions and shutil.which("pg_ctlcluster"):
        done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1],
                               "main", "restart"], capture_output=True, text=True, timeout=120,
                              check=False)
        if done.returncode == 0:
            return "restart"
    # Not allowed here: cut the importer's connections instead (what a restart does to it).
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = 'iqs-fault-import'"))
    admin.dispose()
    return "terminate"


def _wait_for_postgresql() -> None:
    engine = create_engine(PG_SERVER)

    def up() -> bool:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except OperationalError:
            return False

    wait_for(up, 120, "PostgreSQL to come back", interval=0.3)
    engine.dispose()


@pytest.mark.slow
def test_database_restarted_during_an_import(pg_store: str, tmp_path: Path) -> None:
    expected = 200
    folder = stc3_folder(tmp_path / "dialogues", expected, start=100)
    url = f"{pg_store}&application_name=iqs-fault-import"
    env = clean_env(IQS_DATABASE_URL=url, IQS_HOME=str(tmp_path / "home"))
    with store(pg_store) as engine:
        importer = subprocess.Popen([*PYTHON, "import", str(folder)], cwd=REPO, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: _conversations(engine) >= 30, 180, "the import to store 30")
            engine.dispose()
            how = _restart_postgresql()
            out, error = importer.communicate(timeout=300)
        finally:
            if importer.poll() is None:
                importer.kill()
        _wait_for_postgresql()
        stored_first = _conversations(engine)
        first = counts(engine)
        again = iqs(["import", str(folder)], env)
        assert again.returncode == 0, again.stdout + again.stderr
        found = counts(engine)
    _report(f"PostgreSQL {how} during an import of {expected} files",
            first_import_exit=importer.returncode, stored_by_first_import=stored_first,
            duplicates=found["duplicate_runs"] + found["conversations"] - found["external_ids"],
            conversations_lost=expected - found["conversations"])
    assert importer.returncode != 0 or stored_first == expected, out + error
    if importer.returncode != 0:
        assert "Run the same import again" in error, error
    assert first["duplicate_runs"] == 0
    assert found["conversations"] == found["keys"] == found["external_ids"] == expected
    assert found["scored"] == expected and found["duplicate_runs"] == 0
    assert f"imported {expected} conversation(s)" in again.stdout


# --- the embedded executor: `iqs serve` killed mid-job ---------------------------------------

@pytest.mark.slow
def test_the_server_killed_mid_job_resumes_it(tmp_path: Path) -> None:
    expected = 80
    home = tmp_path / "home"
    folder = stc3_folder(tmp_path / "dialogues", expected, start=400)
    files = [("files", (path.name, path.read_bytes())) for path in sorted(folder.iterdir())]
    engine = create_engine(f"sqlite:///{home / 'iqs.db'}")
    with served(home, IQS_WORKERS="1") as api:
        response = api.post("/v1/conversations", files=files)
        assert response.status_code == 202, response.text
        job_id = response.json()["job"]["id"]
        wait_for(lambda: api.get(f"/v1/jobs/{job_id}").json()["progress_done"] >= 10, 120,
                 "the job to be under way")
        api.server.kill()  # type: ignore[attr-defined]  # SIGKILL
        api.server.wait()  # type: ignore[attr-defined]
    stored_at_kill = _conversations(engine)
    with served(home, IQS_WORKERS="1") as api:
        def finished() -> dict | None:
            job = api.get(f"/v1/jobs/{job_id}").json()
            return job if job["state"] in ("done", "failed") else None

        job = wait_for(finished, 180, "the resumed job")
        listed = api.get(f"/v1/jobs/{job_id}")
    found = counts(engine)
    engine.dispose()
    _report("iqs serve killed mid-job", jobs_killed=1,
            jobs_finished=int(job["state"] == "done"),
            duplicates=found["duplicate_runs"] + found["conversations"] - found["external_ids"],
            conversations_lost=expected - found["conversations"],
            conversations_stored_when_killed=stored_at_kill)
    assert listed.status_code == 200
    assert job["state"] == "done", job
    assert job["attempts"] >= 2 and 0 < stored_at_kill < expected
    assert len(job["conversation_ids"]) == expected and job["failures"] == []
    assert found["conversations"] == found["external_ids"] == expected
    assert found["scored"] == expected and found["duplicate_runs"] == 0
