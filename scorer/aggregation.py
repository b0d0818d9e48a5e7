"""Per-agent aggregates of conversation scores: mean with a 95% confidence interval, pass rates
per criterion, and the worst conversations to review first."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel
from scipy.special import stdtrit

from scorer.scoring import ConversationScore

UNKNOWN_AGENT = "(unknown)"


class AgentSummary(BaseModel):
    agent_id: str
    n: int
    scored: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    pass_rate: float | None
    critical_failures: int
    pass_rates: dict[str, float | None]
    worst: list[str]


def mean_confidence_interval(values: list[float], level: float = 0.95,
                             bounds: tuple[float, float] = (0.0, 100.0),
                             ) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high) by Student's t; no interval from fewer than two values."""
    return interval_from_sums(len(values), sum(values), sum(v * v for v in values),
                              level, bounds)


def interval_from_sums(n: int, total: float, total_squares: float, level: float = 0.95,
                       bounds: tuple[float, float] = (0.0, 100.0),
                       ) -> tuple[float | None, float | None, float | None]:
    """`mean_confidence_interval` from the count, sum and sum of squares (what SQL gives)."""
    if n == 0:
        return None, None, None
    mean = total / n
    if n < 2:
        return mean, None, None
    variance = max(0.0, (total_squares - n * mean * mean) / (n - 1))
    half = float(stdtrit(n - 1, (1 + level) / 2)) * math.sqrt(variance / n)
    return mean, max(bounds[0], mean - half), min(bounds[1], mean + half)


def summarize_agents(scores: Iterable[ConversationScore], worst: int = 3) -> list[AgentSummary]:
    """One summary per agent, agents sorted by mean score, lowest first (review order)."""
    by_agent: dict[str, list[ConversationScore]] = defaultdict(list)
    for score in scores:
        by_agent[score.agent_id or UNKNOWN_AGENT].append(score)
    summaries = [_summarize(agent, group, worst) for agent, group in by_agent.items()]
    return sorted(summaries, key=lambda s: (s.mean is None, s.mean or 0.0, s.agent_id))


def _summarize(agent_id: str, group: list[ConversationScore], worst: int) -> AgentSummary:
    scored = [s for s in group if s.score is not None]
    mean, low, high = mean_confidence_interval([s.score for s in scored if s.score is not None])
    names = list(dict.fromkeys(name for s in group for name in s.criteria))
    pass_rates: dict[str, float | None] = {}
    for name in names:
        outcomes = [s.criteria[name].passed for s in group
                    if name in s.criteria and s.criteria[name].applicable]
        pass_rates[name] = (round(sum(bool(o) for o in outcomes) / len(outcomes), 3)
                            if outcomes else None)
    lowest = sorted(scored, key=lambda s: (s.score, s.id))[:worst]
    return AgentSummary(
        agent_id=agent_id, n=len(group), scored=len(scored),
        mean=_round(mean), ci_low=_round(low), ci_high=_round(high),
        pass_rate=round(sum(s.passed for s in scored) / len(scored), 3) if scored else None,
        critical_failures=sum(1 for s in group if s.critical_failures),
        pass_rates=pass_rates, worst=[s.id for s in lowest])


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
