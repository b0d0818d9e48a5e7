"""Response time: first response and longest customer wait within the limits of the channel;
optionally the longest silence and the talk-over count. Not applicable without turn times."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scorer.conversation import Channel
from scorer.criteria.base import (
    Criterion,
    CriterionContext,
    CriterionParams,
    CriterionResult,
    Evidence,
    register_criterion,
)


class ChannelLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_response_s: float = Field(gt=0)
    longest_wait_s: float = Field(gt=0)
    longest_silence_s: float | None = Field(default=None, gt=0)
    max_talk_over: int | None = Field(default=None, ge=0)


class ResponseTimeParams(CriterionParams):
    call: ChannelLimits = ChannelLimits(first_response_s=5, longest_wait_s=30,
                                        longest_silence_s=45, max_talk_over=5)
    chat: ChannelLimits = ChannelLimits(first_response_s=60, longest_wait_s=180)


def _graded(value: float, limit: float) -> float:
    """1 within the limit, falling linearly to 0 at twice the limit (at limit + 1 for 0)."""
    if value <= limit:
        return 1.0
    return max(0.0, 1.0 - (value - limit) / max(limit, 1.0))


@register_criterion("response_time")
class ResponseTime(Criterion[ResponseTimeParams]):
    params_model = ResponseTimeParams

    def evaluate(self, context: CriterionContext) -> CriterionResult:
        timing = context.timing
        if timing is None:
            return self.not_applicable("the conversation has no turn times")
        channel = context.conversation.channel
        limits = self.params.call if channel is Channel.CALL else self.params.chat
        turns = context.conversation.turns
        checks: list[tuple[str, float, Evidence]] = []

        def observe(name: str, value: float, limit: float, turn: int | None) -> None:
            text = turns[turn].text if turn is not None else ""
            note = f"{name} {value:.1f} (limit {limit:g})"
            checks.append((name, _graded(value, limit),
                           Evidence(turn=turn, start=0, end=len(text), text=text, note=note)))

        if timing.first_response is not None:
            observe("first response s", timing.first_response, limits.first_response_s,
                    timing.first_response_turn)
        if timing.longest_wait is not None:
            observe("longest customer wait s", timing.longest_wait.seconds,
                    limits.longest_wait_s, timing.longest_wait.agent_turn)
        if limits.longest_silence_s is not None:
            observe("longest silence s", timing.longest_silence, limits.longest_silence_s,
                    timing.longest_silence_after_turn)
        if limits.max_talk_over is not None:
            checks.append(("talk-over count", _graded(timing.talk_over_count,
                                                      limits.max_talk_over),
                           Evidence(turn=None, text="", note=(
                               f"talk-over count {timing.talk_over_count} "
                               f"(limit {limits.max_talk_over}), "
                               f"{timing.talk_over_seconds:.1f} s"))))
        if not checks:
            return self.not_applicable("no agent response to time")
        score = sum(s for _, s, _ in checks) / len(checks)
        return self.result(score, 0.95, [e for _, _, e in checks],
                           checks={name: round(s, 3) for name, s, _ in checks},
                           timing=timing.model_dump(exclude={"waits"}))
