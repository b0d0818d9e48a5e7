"""Flag rules: which scored conversations go to a person for review, and why.

A scorecard's `flags` section names the rules; `flag_reasons` applies them to one score. The
calibration sample is deterministic: a hash of the conversation's key and the scorecard version
is compared with the rate, so scoring again gives the same sample, and each agent's
conversations are sampled at that rate (passed ones included).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from scorer.scoring import ConversationScore

CRITICAL = "critical_failure"
LOW_SCORE = "score_below"
LOW_CONFIDENCE = "low_confidence"
CRITERION_FAILED = "criterion_failed"
CALIBRATION = "calibration_sample"
REASONS = (CRITICAL, LOW_SCORE, LOW_CONFIDENCE, CRITERION_FAILED, CALIBRATION)
"""The reason codes, in the order `flag_reasons` gives them."""


class FlagRules(BaseModel):
    """The scorecard's `flags` section (each rule off when null, false, empty or 0)."""

    model_config = ConfigDict(extra="forbid")

    critical_failure: bool = Field(
        default=True, description="flag a conversation with a failed critical criterion")
    score_below: float | None = Field(
        default=None, ge=0, le=100, description="flag a score (0-100) below this value")
    confidence_below: float | None = Field(
        default=None, ge=0, le=1,
        description="flag when an applicable criterion's confidence is below this value")
    criteria_failed: list[str] = Field(
        default_factory=list, description="flag when one of these criteria applied and failed")
    calibration_rate: float = Field(
        default=0.0, ge=0, le=1,
        description="share of each agent's conversations sampled for review whatever their "
                    "score (deterministic by conversation and scorecard version)")


def sample_fraction(sample_key: str) -> float:
    """A fraction in [0, 1) fixed by the key (the first 8 bytes of its SHA-256)."""
    digest = hashlib.sha256(sample_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_sample(sample_key: str, rate: float) -> bool:
    return rate > 0 and sample_fraction(sample_key) < rate


def flag_reasons(score: ConversationScore, rules: FlagRules, sample_key: str) -> list[str]:
    """The reasons the rules flag `score` for review (empty: not flagged). `sample_key`: the
    conversation's key and the scorecard version (e.g. "KEY:VERSION_ID"). A failed named
    criterion gives `criterion_failed:NAME`."""
    reasons: list[str] = []
    if rules.critical_failure and score.critical_failures:
        reasons.append(CRITICAL)
    if (rules.score_below is not None and score.score is not None
            and score.score < rules.score_below):
        reasons.append(LOW_SCORE)
    if rules.confidence_below is not None and any(
            r.applicable and r.confidence < rules.confidence_below
            for r in score.criteria.values()):
        reasons.append(LOW_CONFIDENCE)
    for name in rules.criteria_failed:
        result = score.criteria.get(name)
        if result is not None and result.applicable and result.passed is False:
            reasons.append(f"{CRITERION_FAILED}:{name}")
    if in_sample(sample_key, rules.calibration_rate):
        reasons.append(CALIBRATION)
    return reasons


def reason_code(reason: str) -> str:
    """The code of a reason ("criterion_failed:greeting" -> "criterion_failed")."""
    return reason.split(":", 1)[0]
