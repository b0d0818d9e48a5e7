"""Keys on the command line (`iqs keys create|list|revoke`, on SQLite and PostgreSQL), what a
server makes of them (revocation within the cache's seconds, last use), open mode on loopback
and `iqs serve` refusing any other address without a key, and the route table checked when
the app is built."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from api.app import create_app
from api.security.roles import ROUTE_ROLES, RouteTableError, check_table
from api.settings import Settings
from api.store import tables
from api.store.db import upgrade
from scorer.cli import app as iqs_app
from tests.api.helpers_store import clean_env
from tests.api.pg import pg_schema
from tests.api.serving import REPO, free_port, served

KEY = re.compile(r"^iqs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """IQS_ settings of an empty store at the latest schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'iqs.db'}"
        yield _upgraded(url, tmp_path)
    else:
        with pg_schema() as url:
            yield _upgraded(url, tmp_path)


def _upgraded(url: str, home: Path) -> dict[str, str]:
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return {"IQS_HOME": str(home), "IQS_DATABASE_URL": url, "IQS_WORKERS": "0"}


def keys(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(iqs_app, ["keys", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def rows(env: dict[str, str], model: type[tables.Base]) -> list[object]:
    engine = create_engine(env["IQS_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(model.__table__)))  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_create_list_revoke(store_env: dict[str, str]) -> None:
    code, out, err = keys(store_env, "create", "--role", "supervisor", "--team", "north",
                          "--team", "south", "--name", "Maria", "--expires-days", "30")
    assert code == 0, err
    match = KEY.match(out.strip())
    assert match and out.count("\n") == 1, out
    key_id, secret = match.groups()
    assert "shown only now" in err
    [stored] = rows(store_env, tables.ApiKey)
    assert stored.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()  # type: ignore[attr-defined]
    assert secret not in str(stored)

    code, out, _ = keys(store_env, "list", "--format", "json")
    assert code == 0 and secret not in out
    [listed] = json.loads(out)
    assert listed["id"] == key_id and listed["role"] == "supervisor"
    assert listed["teams"] == ["north", "south"] and listed["name"] == "Maria"
    assert listed["expires_at"] and listed["revoked_at"] is None
    code, table, _ = keys(store_env, "list")
    assert key_id in table and "Maria" in table and secret not in table

    for args, message in [
            (["--role", "boss"], "unknown role 'boss'"),
            (["--role", "supervisor"], "a supervisor key needs the teams it leads"),
            (["--role", "agent"], "an agent key needs its agent"),
            (["--role", "qa", "--team", "x"], "--team is for supervisor keys"),
            (["--role", "admin", "--expires-days", "0"], "--expires-days")]:
        code, out, err = keys(store_env, "create", *args)
        assert code == 2 and message in err, (args, err)
        assert not out.strip()

    assert keys(store_env, "revoke", key_id)[0] == 0
    [listed] = json.loads(keys(store_env, "list", "--format", "json")[1])
    assert listed["revoked_at"]
    code, _, err = keys(store_env, "revoke", "0123456789abcdef")
    assert code == 2 and "no API key '0123456789abcdef'" in err

    events = rows(store_env, tables.AuditEvent)
    assert [(e.action, e.role, e.key_id, e.object_id, e.outcome)  # type: ignore[attr-defined]
            for e in events] == [("cli keys create", "admin-cli", None, key_id, "allowed"),
                                 ("cli keys revoke", "admin-cli", None, key_id, "allowed")]


def test_open_mode_on_loopback_ends_with_the_first_key(tmp_path: Path) -> None:
    env = {"IQS_HOME": str(tmp_path), "IQS_WORKERS": "0"}
    with served(tmp_path) as client:
        first = (tmp_path / "serve.log").read_text().splitlines()[0]
        port = client.base_url.port
        assert first == (f"WARNING:  open mode: no API keys; anyone who can reach "
                         f"127.0.0.1:{port} has admin rights; create one with "
                         "`iqs keys create --role admin`")
        assert client.get("/v1/audit").status_code == 200  # admin rights, no key
        code, out, _ = keys(env, "create", "--role", "qa")
        assert code == 0
        started = time.monotonic()
        while client.get("/v1/scorecards").status_code != 401:
            assert time.monotonic() - started < 7, "open mode outlived the first key"
            time.sleep(0.2)
        answer = client.get("/v1/scorecards", headers={"Authorization": f"Bearer {out.strip()}"})
        assert answer.status_code == 200
        assert client.get("/health").status_code == 200


def test_revoked_key_stops_within_seconds_and_last_use_is_kept(tmp_path: Path) -> None:
    env = {"IQS_HOME": str(tmp_path), "IQS_WORKERS": "0"}
    with served(tmp_path):
        pass  # a store, created the way a first start creates it
    key = keys(env, "create", "--role", "qa")[1].strip()
    key_id = KEY.match(key).group(1)  # type: ignore[union-attr]
    auth = {"Authorization": f"Bearer {key}"}
    with served(tmp_path) as client:
        assert client.get("/v1/scorecards", headers=auth).status_code == 200
        [listed] = json.loads(keys(env, "list", "--format", "json")[1])
        assert listed["last_used_at"] is not None
        assert keys(env, "revoke", key_id)[0] == 0
        revoked = time.monotonic()
        while (answer := client.get("/v1/scorecards", headers=auth)).status_code == 200:
            assert time.monotonic() - revoked < 7, "a revoked key kept working past 5 s"
            time.sleep(0.2)
        assert answer.status_code == 401 and "was revoked at" in answer.json()["message"]
        assert answer.headers["www-authenticate"] == "Bearer"


def _serve(home: Path, host: str, port: int) -> subprocess.Popen[bytes]:
    log = (home / f"serve-{port}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "scorer.cli", "serve", "--host", host, "--port", str(port)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env=clean_env(IQS_HOME=str(home), IQS_WORKERS="0"))


def test_serve_refuses_other_addresses_without_a_key(tmp_path: Path) -> None:
    port = free_port()
    server = _serve(tmp_path, "0.0.0.0", port)
    assert server.wait(timeout=120) == 2
    output = (tmp_path / f"serve-{port}.log").read_text()
    assert "no API key in the store, and 0.0.0.0 is not a loopback address" in output
    assert "iqs keys create --role admin" in output

    env = {"IQS_HOME": str(tmp_path), "IQS_WORKERS": "0"}
    key = keys(env, "create", "--role", "admin")[1].strip()
    port = free_port()
    server = _serve(tmp_path, "0.0.0.0", port)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / f"serve-{port}.log").read_text()
                time.sleep(0.3)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/v1/scorecards").status_code == 401
        assert httpx.get(f"{base}/v1/scorecards",
                         headers={"Authorization": f"Bearer {key}"}).status_code == 200
        first = (tmp_path / f"serve-{port}.log").read_text().splitlines()[0]
        assert first.startswith("INFO:     1 active API key(s)")
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_app_does_not_build_with_a_route_missing_from_the_table(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path, workers=0))
    check_table(app.routes)
    spec = app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["description"].endswith(".") and "Roles: " in \
                operation["description"], (method, path)
            if (method.upper(), path) != ("GET", "/health"):
                assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
                assert operation["security"] == [{"apiKey": []}], (method, path)
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"

    app.add_api_route("/v1/secret", lambda: {}, methods=["GET"])
    with pytest.raises(RouteTableError, match=re.escape(
            "not in api/security/roles.py ROUTE_ROLES: GET /v1/secret")):
        check_table(app.routes)

    moved = create_app(Settings(home=tmp_path, workers=0))
    router = APIRouter()
    router.add_api_route("/health", lambda: {}, methods=["GET"])
    moved.include_router(router, prefix="/v2")
    with pytest.raises(RouteTableError, match="included with a prefix"):
        check_table(moved.routes)
    assert ("GET", "/v1/secret") not in ROUTE_ROLES


def test_settings_refuse_a_bad_rate() -> None:
    with pytest.raises(ValueError, match="is not a rate"):
        Settings(rate_limit="lots")
    assert Settings(rate_limit="off").rate_limit == ""


def test_an_app_served_other_than_by_iqs_serve_is_never_open(tmp_path: Path) -> None:
    """Without the bound address (uvicorn run on create_app by hand), no key means 401, even
    with no key in the store: open mode needs `iqs serve` on a loopback address."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings(home=tmp_path, workers=0))) as client:
        refused = client.get("/v1/agents")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert client.get("/health").status_code == 200
    with TestClient(create_app(Settings(home=tmp_path, workers=0,
                                        bind_host="127.0.0.1"))) as client:
        assert client.get("/v1/agents").status_code == 200
