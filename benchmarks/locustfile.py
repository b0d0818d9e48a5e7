"""Locust users for `benchmarks/service_latency.py`: supervisors and integrations reading a
store of scored conversations. The store's ids (agents, teams, conversations, criteria, the
period) come from the JSON file named by IQS_BENCH_PARAMS, written by service_latency.py:

    IQS_BENCH_PARAMS=params.json locust -f benchmarks/locustfile.py --headless -u 10 -r 10 \\
        -t 60s --host http://127.0.0.1:PORT --csv out/latency

Requests are grouped by name (one row per endpoint and filter kind); there is no think time
(`IQS_BENCH_WAIT` seconds, default 0): each of the users sends its next request as soon as
the last one is answered, so the users are the number of requests in flight."""

from __future__ import annotations

import json
import os
import random
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ.get("IQS_BENCH_PARAMS", "iqs-bench-params.json"), encoding="utf-8") as _f:
    PARAMS: dict[str, Any] = json.load(_f)

START = datetime.fromisoformat(PARAMS["since"])
END = datetime.fromisoformat(PARAMS["until"])
PAGES = int(PARAMS.get("cursor_pages", 3))


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _weeks(weeks: int) -> tuple[str, str]:
    """A random period of `weeks` weeks inside the store's span."""
    span = max(0.0, (END - START).total_seconds() - weeks * 7 * 86400)
    since = START + timedelta(seconds=random.uniform(0, span))
    return _iso(since), _iso(since + timedelta(weeks=weeks))


class Supervisor(FastHttpUser):
    wait_time = constant(float(os.environ.get("IQS_BENCH_WAIT", "0")))

    def _get(self, path: str, name: str, params: dict[str, Any] | None = None) -> Any:
        if params:
            path = f"{path}?{urlencode(params)}"
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            try:
                return response.json()
            except ValueError:
                response.failure("not JSON")
                return None

    @task(2)
    def agents(self) -> None:
        since, until = _weeks(random.choice((4, 12)))
        self._get("/v1/agents", "GET /v1/agents?since&until",
                  {"since": since, "until": until})

    @task(1)
    def agent(self) -> None:
        since, until = _weeks(4)
        self._get(f"/v1/agents/{random.choice(PARAMS['agents'])}", "GET /v1/agents/{id}",
                  {"since": since, "until": until})

    @task(2)
    def by_agent(self) -> None:
        self._get("/v1/conversations", "GET /v1/conversations?agent_id",
                  {"agent_id": random.choice(PARAMS["agents"])})

    @task(2)
    def by_period(self) -> None:
        since, until = _weeks(1)
        self._get("/v1/conversations", "GET /v1/conversations?since&until",
                  {"since": since, "until": until})

    @task(2)
    def by_score(self) -> None:
        low = random.choice((0, 20, 40, 60, 80))
        self._get("/v1/conversations", "GET /v1/conversations?min_score&max_score",
                  {"min_score": low, "max_score": low + 20})

    @task(2)
    def by_criterion(self) -> None:
        self._get("/v1/conversations", "GET /v1/conversations?criterion_failed",
                  {"criterion_failed": random.choice(PARAMS["criteria_failed"])})

    @task(1)
    def team_pages(self) -> None:
        """A team's conversations, page after page by cursor."""
        params: dict[str, Any] = {"team": random.choice(PARAMS["teams"]), "limit": 50}
        page = self._get("/v1/conversations", "GET /v1/conversations?team (page 1)", params)
        for _ in range(PAGES - 1):
            if not page or not page.get("next_cursor"):
                return
            page = self._get("/v1/conversations", "GET /v1/conversations?team&cursor",
                             {**params, "cursor": page["next_cursor"]})

    @task(3)
    def conversation(self) -> None:
        self._get(f"/v1/conversations/{random.choice(PARAMS['conversations'])}",
                  "GET /v1/conversations/{id}")
