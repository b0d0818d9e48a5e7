"""What a process that serves or works needs, built once from the settings: the database, the
file store, and scorers kept per scorecard version (building one loads formula packs)."""

from __future__ import annotations

import os
import socket
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings
from api.store.bootstrap import prepare_store
from api.store.db import make_engine, session_factory
from api.store.files import FileStore
from api.store.scorecards import parse_content
from api.store.tables import ScorecardVersion
from scorer.scoring import Scorer

if TYPE_CHECKING:
    from scorer.redaction import Redactor


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._scorers: dict[int, Scorer] = {}
        self._lock = threading.Lock()
        # Scorers and their encoders are used by one thread at a time (two cores: no loss).
        self.scoring = threading.Lock()

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def files(self) -> FileStore:
        return FileStore(self.settings.files_dir)

    @property
    def worker_name(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"

    @cached_property
    def redactor(self) -> Redactor | None:
        """Personal-data redaction at ingestion (None when IQS_REDACT is off)."""
        if not self.settings.redact:
            return None
        from scorer.redaction import Redactor  # loads its language packs: only where used

        return Redactor()

    def scorer(self, version: ScorecardVersion) -> Scorer:
        with self._lock:
            if version.id not in self._scorers:
                location = f"scorecard {version.scorecard_name} v{version.version}"
                self._scorers[version.id] = Scorer(parse_content(version.content, location))
            return self._scorers[version.id]

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def prepare(self) -> None:
        """Create a new embedded store, check the schema, register the bundled scorecards."""
        prepare_store(self.engine, self.sessions, self.settings.scorecard_dir)
