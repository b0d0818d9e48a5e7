"""Locust users for `benchmarks/service_load.py`: every role of the secured QA service at once,
each request carrying its role's key (`Authorization: Bearer <key>`), at a fixed total rate.

The store's ids, the keys, the number of users of each class and their rates come from the JSON
file named by IQS_BENCH_PARAMS, written by service_load.py:

    IQS_BENCH_PARAMS=params.json locust -f benchmarks/locust_auth.py --headless -u N -r N \\
        -t 300s --host http://127.0.0.1:PORT

Each class has `fixed_count` users, each with `constant_throughput(rate)`: one task is one
request, so a class sends count × rate requests/s while its answers are faster than 1/rate.
Request names start with the role ("supervisor: GET /v1/conversations?team"). A request is a
success only with the status it should get: 200 (201 for an import) for what the role may do;
403 or 404 for the few requests sent deliberately outside the role's rights (named
"refused ..."), 401 for requests without a valid key. Every request is also written, with its
start time, latency and status, to the JSON Lines file `record` of the parameters when locust
quits (service_load.py computes exact percentiles and per-window rates from it)."""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from locust import constant_throughput, events, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ.get("IQS_BENCH_PARAMS", "iqs-bench-params.json"), encoding="utf-8") as _f:
    PARAMS: dict[str, Any] = json.load(_f)

KEYS: dict[str, str] = PARAMS["keys"]
START = datetime.fromisoformat(PARAMS["since"])
END = datetime.fromisoformat(PARAMS["until"])
SUPERVISOR = PARAMS["supervisor"]
AGENT = PARAMS["agent"]
USERS: dict[str, dict[str, float]] = PARAMS["users"]

with open(PARAMS["imports_file"], encoding="utf-8") as _f:
    IMPORTS = [json.loads(line) for line in _f if line.strip()]
_next_import = itertools.count()
_lock = threading.Lock()
JOBS: list[str] = []
"""Jobs of the integration key's imports (the integration user reads them back)."""

RECORDS: list[tuple[float, str, float, int, bool]] = []


@events.request.add_listener
def _record(name: str, response_time: float, response: Any = None,
            exception: Any = None, start_time: float | None = None, **_: Any) -> None:
    status = int(getattr(response, "status_code", 0) or 0) if response is not None else 0
    RECORDS.append((start_time or 0.0, name, float(response_time), status, exception is None))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    path = PARAMS.get("record")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as out:
        for start, name, ms, status, ok in RECORDS:
            out.write(json.dumps({"t": start, "name": name, "ms": ms, "status": status,
                                  "ok": ok}) + "\n")


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _weeks(weeks: int) -> dict[str, str]:
    """A random period of `weeks` weeks inside the store's span."""
    span = max(0.0, (END - START).total_seconds() - weeks * 7 * 86400)
    since = START + timedelta(seconds=random.uniform(0, span))
    return {"since": _iso(since), "until": _iso(since + timedelta(weeks=weeks))}


def next_import() -> dict[str, Any]:
    """The next new chat to import; past the end of the list the chats come again with a new
    id (so new content: imports are idempotent by content)."""
    n = next(_next_import)
    conversation = dict(IMPORTS[n % len(IMPORTS)])
    if n >= len(IMPORTS):
        conversation["id"] = f"{conversation['id']}~r{n // len(IMPORTS)}"
    return conversation


class RoleUser(FastHttpUser):
    abstract = True
    role = ""

    def send(self, method: str, path: str, name: str, expect: tuple[int, ...] = (200,),
             params: dict[str, Any] | None = None, body: Any = None,
             key: str | None = "role") -> Any:
        """One request; success only with a status in `expect`. `key`: "role" (this role's
        key), None (no key) or a literal key."""
        if params:
            path = f"{path}?{urlencode(params)}"
        headers = {}
        token = KEYS[self.role] if key == "role" else key
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        with self.client.request(method, path, name=f"{self.role}: {name}", headers=headers,
                                 json=body, catch_response=True) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} (expected "
                                 f"{'/'.join(map(str, expect))}): {(response.text or '')[:200]}")
                return None
            response.success()
            if response.status_code >= 300:
                return None
            try:
                return response.json()
            except ValueError:
                return None  # CSV, JSON Lines


def _users(name: str) -> tuple[int, float]:
    spec = USERS.get(name, {"count": 0, "rate": 1.0})
    return int(spec["count"]), float(spec["rate"]) or 1.0


class Supervisor(RoleUser):
    """A team lead's dashboard: the team's agents, its conversations, one conversation."""

    role = "supervisor"
    fixed_count, _rate = _users("Supervisor")
    wait_time = constant_throughput(_rate)

    @task(20)
    def agents(self) -> None:
        self.send("GET", "/v1/agents", "GET /v1/agents?since&until", params=_weeks(4))

    @task(25)
    def team_conversations(self) -> None:
        self.send("GET", "/v1/conversations", "GET /v1/conversations?team&limit=50",
                  params={"team": SUPERVISOR["team"], "limit": 50})

    @task(40)
    def conversation(self) -> None:
        self.send("GET", f"/v1/conversations/{random.choice(SUPERVISOR['conversations'])}",
                  "GET /v1/conversations/{id} (own team)")

    @task(12)
    def team(self) -> None:
        self.send("GET", f"/v1/teams/{SUPERVISOR['team']}", "GET /v1/teams/{id}",
                  params=_weeks(4))

    @task(3)
    def other_team_conversation(self) -> None:
        self.send("GET", f"/v1/conversations/{random.choice(SUPERVISOR['outside'])}",
                  "refused: GET /v1/conversations/{id} (other team)", expect=(404,))


class Agent(RoleUser):
    """An agent reading their own conversations and scores."""

    role = "agent"
    fixed_count, _rate = _users("Agent")
    wait_time = constant_throughput(_rate)

    @task(30)
    def own_conversations(self) -> None:
        self.send("GET", "/v1/conversations", "GET /v1/conversations (own)",
                  params={"limit": 20})

    @task(40)
    def own_conversation(self) -> None:
        self.send("GET", f"/v1/conversations/{random.choice(AGENT['conversations'])}",
                  "GET /v1/conversations/{id} (own)")

    @task(27)
    def own_scores(self) -> None:
        self.send("GET", f"/v1/agents/{AGENT['agent_id']}", "GET /v1/agents/{own id}",
                  params=_weeks(4))

    @task(2)
    def colleague_conversation(self) -> None:
        self.send("GET", f"/v1/conversations/{random.choice(AGENT['others'])}",
                  "refused: GET /v1/conversations/{id} (colleague's)", expect=(404,))

    @task(1)
    def teams(self) -> None:
        self.send("GET", "/v1/teams", "refused: GET /v1/teams", expect=(403,))


class Integration(RoleUser):
    """A reporting integration: agent and team aggregates, and the jobs of its imports."""

    role = "integration"
    fixed_count, _rate = _users("Integration")
    wait_time = constant_throughput(_rate)

    @task(35)
    def agents(self) -> None:
        self.send("GET", "/v1/agents", "GET /v1/agents?since&until&trend=false",
                  params={**_weeks(4), "trend": "false"})

    @task(30)
    def teams(self) -> None:
        self.send("GET", "/v1/teams", "GET /v1/teams?since&until", params=_weeks(4))

    @task(20)
    def team(self) -> None:
        self.send("GET", f"/v1/teams/{random.choice(PARAMS['teams'])}", "GET /v1/teams/{id}",
                  params=_weeks(4))

    @task(12)
    def job(self) -> None:
        if JOBS:
            self.send("GET", f"/v1/jobs/{random.choice(JOBS[-50:])}", "GET /v1/jobs/{own id}")
        else:
            self.teams()

    @task(2)
    def conversations(self) -> None:
        self.send("GET", "/v1/conversations", "refused: GET /v1/conversations", expect=(403,))

    @task(1)
    def conversation(self) -> None:
        self.send("GET", f"/v1/conversations/{random.choice(PARAMS['conversations'])}",
                  "refused: GET /v1/conversations/{id}", expect=(403,))


class Importer(RoleUser):
    """The integration key importing one new chat per request, scored in the request (201)."""

    role = "integration"
    fixed_count, _rate = _users("Importer")
    wait_time = constant_throughput(_rate)

    @task
    def import_chat(self) -> None:
        out = self.send("POST", "/v1/conversations", "POST /v1/conversations (1 new chat)",
                        expect=(201,), body=next_import())
        if out and out.get("job", {}).get("id") is not None:
            with _lock:
                JOBS.append(str(out["job"]["id"]))


class Ml(RoleUser):
    """Training-data export: one agent's week as JSON Lines."""

    role = "ml"
    fixed_count, _rate = _users("Ml")
    wait_time = constant_throughput(_rate)

    @task(30)
    def export(self) -> None:
        self.send("GET", "/v1/export", "GET /v1/export?format=jsonl&agent_id&since&until (1 week)",
                  params={"format": "jsonl", "agent_id": random.choice(PARAMS["agents"]),
                          **_weeks(1)})

    @task(1)
    def conversations(self) -> None:
        self.send("GET", "/v1/conversations", "refused: GET /v1/conversations", expect=(403,))


class Qa(RoleUser):
    """A QA analyst: failed criteria across all teams, a conversation, the scorecards."""

    role = "qa"
    fixed_count, _rate = _users("Qa")
    wait_time = constant_throughput(_rate)

    @task(45)
    def failed(self) -> None:
        self.send("GET", "/v1/conversations", "GET /v1/conversations?criterion_failed&limit=20",
                  params={"criterion_failed": random.choice(PARAMS["criteria_failed"]),
                          "limit": 20})

    @task(40)
    def conversation(self) -> None:
        self.send("GET", f"/v1/conversations/{random.choice(PARAMS['conversations'])}",
                  "GET /v1/conversations/{id}")

    @task(12)
    def scorecards(self) -> None:
        self.send("GET", "/v1/scorecards", "GET /v1/scorecards")

    @task(3)
    def audit(self) -> None:
        self.send("GET", "/v1/audit", "refused: GET /v1/audit", expect=(403,))


class Admin(RoleUser):
    """An administrator reading the audit log and the metrics."""

    role = "admin"
    fixed_count, _rate = _users("Admin")
    wait_time = constant_throughput(_rate)

    @task(3)
    def audit(self) -> None:
        self.send("GET", "/v1/audit", "GET /v1/audit?limit=20", params={"limit": 20})

    @task(1)
    def metrics(self) -> None:
        self.send("GET", "/metrics", "GET /metrics")


class Anonymous(RoleUser):
    """Requests without a key, or with an unknown one: 401 (kept well under the refused-attempt
    limit per address, which would otherwise answer 429 to every client of 127.0.0.1)."""

    role = "anonymous"
    fixed_count, _rate = _users("Anonymous")
    wait_time = constant_throughput(_rate)

    @task
    def no_key(self) -> None:
        if random.random() < 0.5:
            self.send("GET", "/v1/agents", "GET /v1/agents without a key", expect=(401,),
                      key=None)
        else:
            self.send("GET", "/v1/agents", "GET /v1/agents with an unknown key", expect=(401,),
                      key=f"iqs_{random.getrandbits(64):016x}_{'x' * 43}")
