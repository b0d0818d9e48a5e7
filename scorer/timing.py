"""Timing measures of a conversation with timed turns: response times, waits, silence, overlap.

Overlapping turns are kept as they are (stereo calls record both parties at once), so measures
work on intervals rather than on turn order alone.
"""

from __future__ import annotations

from pydantic import BaseModel

from scorer.conversation import Conversation, Role, Turn


class CustomerWait(BaseModel):
    """The gap between a customer turn ending and the agent's next turn starting."""

    customer_turn: int
    agent_turn: int
    seconds: float


class TimingMetrics(BaseModel):
    handle_time: float
    first_response: float | None
    first_response_turn: int | None
    waits: list[CustomerWait]
    longest_wait: CustomerWait | None
    longest_silence: float
    longest_silence_after_turn: int | None
    talk_over_count: int
    talk_over_seconds: float
    agent_talk_ratio: float | None


def measure_timing(conversation: Conversation) -> TimingMetrics | None:
    """Timing measures, or None when the conversation has no turn times."""
    timed = [(i, t) for i, t in enumerate(conversation.turns)
             if t.start is not None and t.role in (Role.AGENT, Role.CUSTOMER, Role.BOT)]
    if not timed:
        return None
    spans = [(i, t, t.start or 0.0, _end(t)) for i, t in timed]
    begin = min(s for _, _, s, _ in spans)
    finish = max(e for _, _, _, e in spans)
    waits = _customer_waits(spans)
    silence, silence_after = _longest_silence(spans)
    overlaps = _overlaps(spans)
    talk = {role: sum(e - s for _, t, s, e in spans if t.role is role)
            for role in (Role.AGENT, Role.CUSTOMER)}
    total_talk = talk[Role.AGENT] + talk[Role.CUSTOMER]
    first_turn, first_seconds = _first_response(spans, begin)
    return TimingMetrics(
        handle_time=round(finish - begin, 3),
        first_response=first_seconds,
        first_response_turn=first_turn,
        waits=waits,
        longest_wait=max(waits, key=lambda w: w.seconds, default=None),
        longest_silence=round(silence, 3),
        longest_silence_after_turn=silence_after,
        talk_over_count=len(overlaps),
        talk_over_seconds=round(sum(overlaps), 3),
        agent_talk_ratio=round(talk[Role.AGENT] / total_talk, 3) if total_talk > 0 else None,
    )


def _end(turn: Turn) -> float:
    start = turn.start or 0.0
    return turn.end if turn.end is not None else start


Span = tuple[int, Turn, float, float]


def _first_response(spans: list[Span], begin: float) -> tuple[int | None, float | None]:
    """Seconds until the agent first answers: after the first customer turn in a chat the
    customer opens, from the start when the agent speaks first (an answered call)."""
    first_customer = next((sp for sp in spans if sp[1].role is Role.CUSTOMER), None)
    first_agent = next((sp for sp in spans if sp[1].role is Role.AGENT), None)
    if first_agent is None:
        return None, None
    if first_customer is not None and first_customer[2] < first_agent[2]:
        return first_agent[0], round(max(0.0, first_agent[2] - first_customer[3]), 3)
    return first_agent[0], round(first_agent[2] - begin, 3)


def _customer_waits(spans: list[Span]) -> list[CustomerWait]:
    """For each run of customer turns, the wait until the agent's next turn begins."""
    waits = []
    pending: Span | None = None
    for span in sorted(spans, key=lambda sp: sp[2]):
        index, turn, start, _ = span
        if turn.role is Role.CUSTOMER:
            pending = span
        elif turn.role is Role.AGENT and pending is not None:
            waits.append(CustomerWait(customer_turn=pending[0], agent_turn=index,
                                      seconds=round(max(0.0, start - pending[3]), 3)))
            pending = None
    return waits


def _longest_silence(spans: list[Span]) -> tuple[float, int | None]:
    """Longest stretch in which nobody speaks, and the turn after which it falls."""
    longest, after = 0.0, None
    covered_until, last_index = None, None
    for index, _, start, end in sorted(spans, key=lambda sp: sp[2]):
        if covered_until is not None and start - covered_until > longest:
            longest, after = start - covered_until, last_index
        if covered_until is None or end >= covered_until:
            covered_until, last_index = end, index
    return longest, after


def _overlaps(spans: list[Span]) -> list[float]:
    """Durations of agent/customer talk-over: an agent turn overlapping a customer turn."""
    agent = [(s, e) for _, t, s, e in spans if t.role is Role.AGENT]
    customer = [(s, e) for _, t, s, e in spans if t.role is Role.CUSTOMER]
    found = []
    for a_start, a_end in agent:
        for c_start, c_end in customer:
            overlap = min(a_end, c_end) - max(a_start, c_start)
            if overlap > 0:
                found.append(overlap)
    return found
