"""The web pages' store: the access tests' store (tests/api/security_data.py: two teams, keys
of every role, n1's chat with the sample call's recording, a queued chat, a review) plus an
Arabic chat of n1, ingested through the real path; served in-process by the real app
(TestClient) on SQLite, and on PostgreSQL for one path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.jobs.runtime import Runtime
from api.jobs.tasks import run_job, submit_ingest
from api.settings import Settings
from api.store import tables
from api.store.scorecards import find_version
from scorer.readers import ReaderOptions
from tests.api.pg import pg_schema
from tests.api.security_data import SecureStore, build

ARABIC = {"id": "ar-1", "channel": "chat", "agent_id": "n1", "language": "ar",
          "start_time": "2026-03-20T09:00:00Z",
          "turns": [{"role": "agent", "text": "صباح الخير، اسمي لينا، كيف يمكنني مساعدتك؟"},
                    {"role": "customer", "text": "طلبي لم يصل بعد."},
                    {"role": "agent", "text": "أنا آسفة جدا، سأتحقق من ذلك الآن."}]}


@dataclass
class WebStore:
    store: SecureStore
    arabic: int
    """The Arabic chat's conversation id."""

    def client(self, **settings: object) -> TestClient:
        """A client of a fresh app over the store (rate limits off unless given)."""
        chosen: dict[str, object] = {"home": self.store.home, "workers": 0,
                                     "database_url": self.store.url, "rate_limit": "",
                                     "refused_rate_limit": "", "redact": False, **settings}
        return TestClient(create_app(Settings(**chosen)), follow_redirects=False)  # type: ignore[arg-type]

    def signed_in(self, who: str, **settings: object) -> TestClient:
        client = self.client(**settings)
        client.__enter__()
        answer = client.post("/sign-in", data={"key": self.store.keys[who], "next": "/queue"})
        assert answer.status_code == 303, answer.text
        return client


def add_arabic(store: SecureStore) -> int:
    runtime = Runtime(Settings(home=store.home, database_url=store.url, workers=0,
                               redact=False))
    try:
        path = store.home / "data" / "arabic.json"
        path.write_text(json.dumps([ARABIC], ensure_ascii=False), encoding="utf-8")
        stored = runtime.files.put_path(path, "arabic.json", runtime.settings.max_upload_bytes)
        with runtime.sessions() as session:
            version_id = find_version(session, "default").id
        assert run_job(runtime, submit_ingest(runtime, [stored], version_id,
                                              ReaderOptions())) == "done"
        with runtime.sessions() as session:
            return session.scalars(select(tables.Conversation.id).where(
                tables.Conversation.external_id == "ar-1")).one()
    finally:
        runtime.close()


def _web(backend: str, url: str, home: Path) -> WebStore:
    store = build(backend, url, home)
    return WebStore(store, add_arabic(store))


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> WebStore:
    home = tmp_path_factory.mktemp("web-sqlite")
    return _web("sqlite", f"sqlite:///{home / 'iqs.db'}", home)


@pytest.fixture(scope="module")
def web_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStore]:
    home = tmp_path_factory.mktemp("web-postgresql")
    with pg_schema() as url:
        yield _web("postgresql", url, home)
