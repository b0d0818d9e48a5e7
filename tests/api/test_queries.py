"""The store's query functions on SQLite and PostgreSQL, filled through the real ingest path:
aggregates equal scorer.aggregation's on the same scores, filters select what they say,
pagination neither repeats nor drops, the trend is per ISO week, the export is streamed."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from api.store import queries, records, tables
from api.store.db import transaction
from scorer.aggregation import UNKNOWN_AGENT, mean_confidence_interval, summarize_agents
from tests.api.conftest import STC3_AGENTS, STC3_START, ReadStore, Stored

StoredNow = Callable[..., list[Stored]]


def _all_pages(store: ReadStore, filters: queries.Filters, limit: int,
               version: str = "lenient") -> list[int]:
    ids: list[int] = []
    cursor = None
    with store.runtime.sessions() as session:
        while True:
            page = queries.list_conversations(session, store.version(version), filters, cursor,
                                              limit)
            assert len(page.items) <= limit
            ids += [i.conversation.id for i in page.items]
            if page.next_cursor is None:
                return ids
            assert len(page.items) == limit
            cursor = page.next_cursor


def _newest_first(rows: list[Stored]) -> list[int]:
    return [r.conversation.id for r in sorted(
        rows, key=lambda r: (r.conversation.occurred_at, r.conversation.id), reverse=True)]


def _same_stats(actual: queries.GroupStats, expected: Any, key: str) -> None:
    assert actual.key == key
    for name in ("n", "scored", "mean", "ci_low", "ci_high", "pass_rate", "critical_failures",
                 "pass_rates"):
        assert getattr(actual, name) == getattr(expected, name), (key, name)
    assert [w.external_id for w in actual.worst] == expected.worst


def test_the_store_holds_every_source(read_store: ReadStore, stored_now: StoredNow) -> None:
    rows = stored_now()
    channels = {r.conversation.channel for r in rows}
    agents = {r.conversation.agent_id for r in rows}
    assert channels == {"chat", "call"}
    assert {None, "a-sarah", "a-anna", *STC3_AGENTS} <= agents
    assert len(rows) >= queries.WORST * 20


@pytest.mark.parametrize("version", ["default", "lenient"])
def test_agent_aggregates_equal_summarize_agents(read_store: ReadStore, stored_now: StoredNow,
                                                 version: str) -> None:
    rows = stored_now(version)
    expected = summarize_agents([r.score() for r in rows], worst=queries.WORST)
    with read_store.runtime.sessions() as session:
        actual = queries.agent_stats(session, read_store.version(version), queries.Filters(),
                                     trend=False)
    assert [a.key for a in actual] == [e.agent_id for e in expected]
    for a, e in zip(actual, expected, strict=True):
        _same_stats(a, e, e.agent_id)
        assert a.trend is None
    assert any(a.key == UNKNOWN_AGENT for a in actual)
    assert any(a.ci_low is not None and a.ci_low < a.mean < a.ci_high for a in actual
               if a.mean is not None and a.ci_low is not None and a.ci_high is not None)


def test_aggregates_over_a_period(read_store: ReadStore, stored_now: StoredNow) -> None:
    since, until = STC3_START + timedelta(days=10), STC3_START + timedelta(days=31)
    rows = [r for r in stored_now("lenient") if since <= r.conversation.occurred_at < until]
    expected = {e.agent_id: e for e in summarize_agents([r.score() for r in rows], worst=5)}
    with read_store.runtime.sessions() as session:
        actual = queries.agent_stats(session, read_store.lenient_id,
                                     queries.Filters(since=since, until=until))
    assert {a.key for a in actual} == set(expected) and len(expected) >= 4
    for a in actual:
        _same_stats(a, expected[a.key], a.key)


def test_one_agent_and_its_weekly_trend(read_store: ReadStore, stored_now: StoredNow) -> None:
    agent = STC3_AGENTS[1]
    rows = [r for r in stored_now("lenient") if r.conversation.agent_id == agent]
    weeks: dict[Any, list[float]] = defaultdict(list)
    for r in rows:
        day = r.conversation.occurred_at.astimezone(UTC).date()
        monday = day - timedelta(days=day.isoweekday() - 1)
        if r.run.score is not None:
            weeks[monday].append(r.run.score)
    with read_store.runtime.sessions() as session:
        [stats] = queries.agent_stats(session, read_store.lenient_id, queries.Filters(),
                                      agent_id=agent)
    assert stats.trend is not None and len(stats.trend) == len(weeks) >= 7
    assert [p.week for p in stats.trend] == sorted(weeks)
    for point in stats.trend:
        assert point.week.isoweekday() == 1
        mean, low, high = mean_confidence_interval(weeks[point.week])
        assert point.scored == point.n == len(weeks[point.week])
        assert (point.mean, point.ci_low, point.ci_high) == tuple(
            None if v is None else round(v, 2) for v in (mean, low, high))
    assert sum(p.n for p in stats.trend) == stats.n == len(rows)


def test_the_week_of_a_time_is_its_iso_week_in_utc() -> None:
    assert str(queries.week_start(datetime(2024, 5, 12, 23, 0, tzinfo=UTC))) == "2024-05-06"
    late_sunday_east = datetime.fromisoformat("2024-05-13T01:00:00+03:00")  # Sunday in UTC
    assert str(queries.week_start(late_sunday_east)) == "2024-05-06"
    points = queries.weekly_trend([(datetime(2024, 5, 6, tzinfo=UTC), 50.0),
                                   (datetime(2024, 5, 7, tzinfo=UTC), None),
                                   (datetime(2024, 4, 30, tzinfo=UTC), 70.0)])
    assert [(str(p.week), p.n, p.scored, p.mean) for p in points] == [
        ("2024-04-29", 1, 1, 70.0), ("2024-05-06", 2, 1, 50.0)]


FILTERS: list[tuple[str, str, dict[str, Any], Callable[[Stored], bool]]] = [
    ("agent", "lenient", {"agent_id": "stc-ana"}, lambda r: r.conversation.agent_id == "stc-ana"),
    ("unknown agent", "lenient", {"agent_id": UNKNOWN_AGENT},
     lambda r: r.conversation.agent_id is None),
    ("channel", "lenient", {"channel": "call"}, lambda r: r.conversation.channel == "call"),
    ("language", "lenient", {"language": "ru"}, lambda r: r.conversation.language == "ru"),
    ("period", "lenient", {"since": STC3_START + timedelta(days=7),
                           "until": STC3_START + timedelta(days=14)},
     lambda r: STC3_START + timedelta(days=7) <= r.conversation.occurred_at
     < STC3_START + timedelta(days=14)),
    ("score range", "lenient", {"min_score": 40, "max_score": 60},
     lambda r: r.run.score is not None and 40 <= r.run.score <= 60),
    ("critical", "default", {"critical": True}, lambda r: r.run.critical),
    ("no critical", "default", {"critical": False}, lambda r: not r.run.critical),
    ("passed", "lenient", {"passed": True}, lambda r: r.run.passed),
    ("not passed", "lenient", {"passed": False}, lambda r: not r.run.passed),
    ("criterion failed", "default", {"criterion_failed": "greeting"},
     lambda r: any(c.name == "greeting" and c.applicable and c.passed is False
                   for c in r.run.results)),
    ("combined", "lenient", {"agent_id": "stc-cai", "passed": False, "min_score": 50},
     lambda r: r.conversation.agent_id == "stc-cai" and not r.run.passed
     and r.run.score is not None and r.run.score >= 50),
]


@pytest.mark.parametrize(("what", "version", "values", "keep"), FILTERS,
                         ids=[f[0] for f in FILTERS])
def test_filters_and_pages(read_store: ReadStore, stored_now: StoredNow, what: str,
                           version: str, values: dict[str, Any],
                           keep: Callable[[Stored], bool]) -> None:
    rows = stored_now(version)
    expected = _newest_first([r for r in rows if keep(r)])
    assert 0 < len(expected) < len(rows), f"the data should tell {what} apart"
    assert _all_pages(read_store, queries.Filters(**values), 7, version) == expected


def test_pages_neither_repeat_nor_drop_at_equal_times(read_store: ReadStore,
                                                      stored_now: StoredNow) -> None:
    expected = _newest_first(stored_now())
    times = [r.conversation.occurred_at for r in stored_now()]
    assert len(set(times)) < len(times), "the data has conversations at equal times"
    for limit in (1, 2, 3, 50, queries.MAX_LIMIT):
        pages = _all_pages(read_store, queries.Filters(), limit)
        assert pages == expected
        assert len(set(pages)) == len(pages)


@pytest.mark.parametrize(("call", "location"), [
    (lambda s, v: queries.list_conversations(s, v, queries.Filters(), cursor="bm90IGpzb24"),
     "cursor"),
    (lambda s, v: queries.list_conversations(s, v, queries.Filters(), cursor="!!"), "cursor"),
    (lambda s, v: queries.list_conversations(s, v, queries.Filters(), limit=0), "limit"),
    (lambda s, v: queries.list_conversations(s, v, queries.Filters(), limit=501), "limit"),
    (lambda s, v: queries.agent_stats(s, v, queries.Filters(
        since=datetime(2024, 5, 2), until=datetime(2024, 5, 1))), "until"),
    (lambda s, v: queries.list_conversations(s, v, queries.Filters(
        min_score=90, max_score=10)), "max_score"),
    (lambda s, v: queries.agent_stats(s, v, queries.Filters(
        since=datetime.fromisoformat("9999-12-31T23:00:00-05:00"))), "since"),
])
def test_bad_values_name_the_parameter(read_store: ReadStore, call: Any,
                                       location: str) -> None:
    with read_store.runtime.sessions() as session, pytest.raises(queries.QueryError) as error:
        call(session, read_store.version_id)
    assert error.value.location == location


def test_cursor_round_trip() -> None:
    when = datetime(2024, 5, 9, 9, 15, 0, 123456, tzinfo=UTC)
    assert queries.decode_cursor(queries.encode_cursor(when, 42)) == (when, 42)
    forged = queries.encode_cursor(when, 42).replace("NDJd", "dHJ1ZV0")
    with pytest.raises(queries.QueryError):
        queries.decode_cursor(forged + "x")


def test_conversation_detail_of_a_call(read_store: ReadStore) -> None:
    with read_store.runtime.sessions() as session:
        page = queries.list_conversations(session, read_store.version_id,
                                          queries.Filters(channel="call"))
        call = next(i for i in page.items if i.conversation.audio_sha256 is not None)
        assert len(page.items) == 2  # the recording, and the Russian call transcript
        detail = queries.conversation_detail(session, call.conversation.id,
                                             read_store.version_id)
        assert detail is not None and detail.run is not None and detail.version is not None
        assert detail.conversation.agent_id == "a-sarah" and detail.agent is not None
        assert detail.version.scorecard_name == "default"
        assert detail.run.models["asr"] == "tiny.en"
        assert detail.run.timing is not None and detail.run.timing["handle_time"] > 0
        greeting = next(r for r in detail.run.results if r.name == "greeting")
        assert greeting.evidence and all("text" in e for e in greeting.evidence)
        assert [(r.scorecard, r.version) for r in detail.runs] == [("default", 1),
                                                                    ("lenient", 1)]
        assert detail.runs[0].id == detail.run.id
        lenient = queries.conversation_detail(session, call.conversation.id,
                                              read_store.lenient_id)
        assert lenient is not None and lenient.run is not None
        assert lenient.run.id == detail.runs[1].id and lenient.version is not None
        assert lenient.version.scorecard_name == "lenient"
        _, source = queries.audio_file(session, call.conversation.id)
        assert source is not None and source.filename.endswith(".flac")
        score = queries.to_score(detail.conversation, detail.run)
        assert score.score == detail.run.score and set(score.criteria) == {
            r.name for r in detail.run.results}
        assert queries.conversation_detail(session, 10**9, read_store.version_id) is None
        with pytest.raises(queries.QueryError, match="has no run"):
            queries.conversation_detail(session, call.conversation.id, read_store.version_id,
                                        run_id=10**9)
        chat = queries.list_conversations(session, read_store.version_id,
                                          queries.Filters(channel="chat"), limit=1).items[0]
        assert queries.audio_file(session, chat.conversation.id)[1] is None


def test_queries_read_the_latest_run(read_store: ReadStore, stored_now: StoredNow) -> None:
    """A later run of a conversation (a rescore) replaces the earlier one in every query."""
    target = next(r for r in stored_now("lenient") if r.conversation.agent_id == "stc-dee"
                  and r.run.score is not None and r.run.score > 5)
    before = summarize_agents([r.score() for r in stored_now("lenient")], worst=5)
    changed = target.score().model_copy(update={"score": 1.5, "passed": False})
    with transaction(read_store.runtime.sessions) as session:
        run = records.store_score(session, target.conversation.id, read_store.lenient_id,
                                  changed, None, 0.01, {"iqs": "test"})
        new_run = run.id
    with read_store.runtime.sessions() as session:
        [stats] = queries.agent_stats(session, read_store.lenient_id, queries.Filters(),
                                      agent_id="stc-dee")
        detail = queries.conversation_detail(session, target.conversation.id,
                                             read_store.lenient_id)
        older = queries.conversation_detail(session, target.conversation.id,
                                            read_store.lenient_id, run_id=target.run.id)
        listed = _all_pages(read_store, queries.Filters(agent_id="stc-dee", max_score=2), 50)
    old = next(a for a in before if a.agent_id == "stc-dee")
    assert stats.n == old.n
    assert (target.conversation.id, 1.5) in [(w.conversation_id, w.score) for w in stats.worst]
    assert detail is not None and detail.run is not None and detail.run.id == new_run
    assert [r.id for r in detail.runs][-2:] == [target.run.id, new_run]
    assert older is not None and older.run is not None and older.run.score == target.run.score
    assert target.conversation.id in listed
    after = [r.score() for r in stored_now("lenient")]
    expected = {e.agent_id: e for e in summarize_agents(after, worst=5)}
    _same_stats(stats, expected["stc-dee"], "stc-dee")


def test_team_aggregates_follow_the_agents_teams(read_store: ReadStore,
                                                 stored_now: StoredNow) -> None:
    with transaction(read_store.runtime.sessions) as session:
        for agent in STC3_AGENTS[:2]:
            assert queries.update_agent(session, agent, {"team": "q-north"}) is not None
        assert queries.update_agent(session, "no-such-agent", {"team": "x"}) is None
    rows = stored_now("lenient")
    teams = [r.score().model_copy(update={"agent_id": r.team or queries.NO_TEAM})
             for r in rows]
    expected = {e.agent_id: e for e in summarize_agents(teams, worst=5)}
    with read_store.runtime.sessions() as session:
        actual = queries.team_stats(session, read_store.lenient_id, queries.Filters())
        [north] = queries.team_stats(session, read_store.lenient_id, queries.Filters(),
                                     team_id="q-north")
        members = queries.team_members(session, ["q-north"])
        listed = _all_pages(read_store, queries.Filters(team="q-north"), 100)
    assert {t.key for t in actual} == set(expected) and "q-north" in expected
    for team in actual:
        _same_stats(team, expected[team.key], team.key)
    assert north.n == expected["q-north"].n == len(listed)
    assert north.trend is not None and sum(p.n for p in north.trend) == north.n
    assert set(STC3_AGENTS[:2]) <= set(members["q-north"])


def test_export_is_read_a_batch_at_a_time(read_store: ReadStore,
                                          stored_now: StoredNow) -> None:
    expected = _newest_first(stored_now())
    selects: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "score_runs" in statement:
            selects.append(statement)

    engine = read_store.runtime.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        batches = queries.export_batches(read_store.runtime.sessions, read_store.version_id,
                                         queries.Filters(), batch=25)
        first = next(batches)
        reads_for_first = len(selects)
        rest = list(batches)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(first) == 25 and all(len(b) <= 25 for b in rest)
    assert reads_for_first < len(selects), "later batches are read after the first is used"
    ids = [i.conversation.id for batch in [first, *rest] for i in batch]
    assert ids == expected
    assert all(i.run.results for i in first)


def test_export_csv_and_jsonl_parse_back(read_store: ReadStore, stored_now: StoredNow) -> None:
    rows = {r.conversation.id: r for r in stored_now()}
    with read_store.runtime.sessions() as session:
        version = session.get(tables.ScorecardVersion, read_store.version_id)
        assert version is not None
        names = queries.criterion_names(version)

    def batches() -> Any:
        return queries.export_batches(read_store.runtime.sessions, read_store.version_id,
                                      queries.Filters(), batch=40)

    text = "".join(queries.csv_chunks(batches(), "default"))
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == len(rows)
    header = next(csv.reader(io.StringIO(text)))
    assert header[:7] == ["id", "agent_id", "channel", "language", "score", "passed",
                          "critical_failures"]
    assert header[-3:] == list(queries.EXPORT_EXTRA_COLUMNS)
    assert set(header[7:-3]) == {f"{n}_{k}" for n in names for k in ("score", "passed")}
    for line in table:
        row = rows[int(line["conversation_id"])]
        assert line["id"] == row.conversation.external_id
        assert int(line["run_id"]) == row.run.id
        assert line["score"] == ("" if row.run.score is None else str(row.run.score))
        assert line["passed"] == str(row.run.passed)
    lines = [json.loads(line) for line in
             "".join(queries.jsonl_chunks(batches(), version)).splitlines()]
    assert len(lines) == len(rows)
    for record in lines:
        row = rows[record["conversation_id"]]
        assert record["run_id"] == row.run.id and record["score"] == row.run.score
        assert record["scorecard"] == "default" and record["turns"] == row.conversation.turns
        assert set(record["criteria"]) == {r.name for r in row.run.results}
    empty = "".join(queries.csv_chunks(queries.export_batches(
        read_store.runtime.sessions, read_store.version_id,
        queries.Filters(agent_id="nobody")), "default"))
    assert empty.splitlines() == [",".join(header[:7] + header[-3:])]
