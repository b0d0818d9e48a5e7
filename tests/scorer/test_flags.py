from pathlib import Path

import pytest
import yaml

from scorer.criteria.base import CriterionResult
from scorer.errors import ConfigError
from scorer.flags import (
    CALIBRATION,
    CRITICAL,
    LOW_CONFIDENCE,
    LOW_SCORE,
    FlagRules,
    flag_reasons,
    in_sample,
    reason_code,
    sample_fraction,
)
from scorer.scorecard import bundled_scorecards, load_scorecard, parse_scorecard
from scorer.scoring import ConversationScore

OFF = FlagRules(critical_failure=False)


def score(value: float | None = 90, critical: tuple[str, ...] = (),
          **criteria: tuple[bool | None, float]) -> ConversationScore:
    return ConversationScore(
        id="c1", agent_id="a1", channel="chat", language="en", score=value,
        weighted_score=value, passed=not critical and (value or 0) >= 80,
        critical_failures=list(critical),
        criteria={name: CriterionResult(name=name, score=1.0 if passed else 0.0, passed=passed,
                                        applicable=passed is not None, confidence=confidence)
                  for name, (passed, confidence) in criteria.items()})


def test_no_rule_no_reason() -> None:
    assert flag_reasons(score(10, ("greeting",), greeting=(False, 0.1)), OFF, "k") == []


def test_each_rule_gives_its_reason() -> None:
    s = score(50, ("greeting",), greeting=(False, 0.9), empathy=(False, 0.3),
              jargon=(True, 0.95))
    rules = FlagRules(critical_failure=True, score_below=60, confidence_below=0.5,
                      criteria_failed=["empathy", "jargon"])
    assert flag_reasons(s, rules, "k") == [CRITICAL, LOW_SCORE, LOW_CONFIDENCE,
                                           "criterion_failed:empathy"]
    assert reason_code("criterion_failed:empathy") == "criterion_failed"


def test_thresholds_are_strict_and_inapplicable_criteria_do_not_count() -> None:
    s = score(60, empathy=(None, 0.0), greeting=(True, 0.5))
    rules = FlagRules(critical_failure=True, score_below=60, confidence_below=0.5,
                      criteria_failed=["empathy"])
    assert flag_reasons(s, rules, "k") == []
    assert flag_reasons(score(None), FlagRules(score_below=100), "k") == []


def test_calibration_sample_is_deterministic_and_near_its_rate() -> None:
    rules = FlagRules(critical_failure=False, calibration_rate=0.1)
    keys = [f"conversation-{i}:3" for i in range(4000)]
    drawn = [k for k in keys if flag_reasons(score(99), rules, k) == [CALIBRATION]]
    assert drawn == [k for k in keys if flag_reasons(score(99), rules, k)]  # same again
    assert 0.08 < len(drawn) / len(keys) < 0.12
    assert all(0 <= sample_fraction(k) < 1 for k in keys[:50])
    assert not any(in_sample(k, 0) for k in keys) and all(in_sample(k, 1) for k in keys)
    # another scorecard version draws another sample
    other = {k for k in keys if in_sample(k.replace(":3", ":4"), 0.1)}
    assert other != {k.replace(":3", ":4") for k in drawn}


def test_default_scorecard_has_flags() -> None:
    flags = load_scorecard("default").flags
    assert flags.critical_failure and flags.score_below == 60
    assert 0 < flags.calibration_rate < 1


def _default_data() -> dict:
    return yaml.safe_load(Path(bundled_scorecards()[0]).read_text())


@pytest.mark.parametrize(("flags", "message"), [
    ({"score_below": 120}, "flags.score_below: Input should be less than or equal to 100"),
    ({"confidence_below": -1}, "flags.confidence_below: Input should be greater than"),
    ({"calibration_rate": 2}, "flags.calibration_rate: Input should be less than or equal"),
    ({"criteria_failed": ["greetng"]}, "flags.criteria_failed: 'greetng' not a criterion"),
    ({"sample": 0.1}, "flags.sample: Extra inputs are not permitted"),
])
def test_bad_flags_are_refused_with_their_path(flags: dict, message: str) -> None:
    data = _default_data()
    data["flags"] = flags
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_scorecard(data, "card.yaml")
