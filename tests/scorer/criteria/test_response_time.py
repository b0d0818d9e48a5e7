import pytest

from tests.scorer.criteria.conftest import Evaluate


def test_slow_chat_answer_is_graded_with_evidence(evaluate: Evaluate) -> None:
    result = evaluate("response_time", [
        ("customer", "Hello, anyone there?", 0.0, 2.0),
        ("agent", "Hi, sorry for the wait.", 92.0, 95.0),  # 90 s after the customer
        ("customer", "My order?", 100.0, 101.0),
        ("agent", "Checking.", 110.0, 111.0),
    ], channel="chat")
    checks = result.details["checks"]
    assert checks["first response s"] == 0.5  # 90 s against 60 s: halfway to zero
    assert checks["longest customer wait s"] == 1.0
    assert result.evidence[0].turn == 1
    assert "first response s 90.0 (limit 60)" in (result.evidence[0].note or "")


def test_call_limits_include_silence_and_talk_over(evaluate: Evaluate) -> None:
    result = evaluate("response_time", [
        ("agent", "Hello, Acme, Anna speaking.", 1.0, 3.0),
        ("customer", "Hi, my internet is down.", 2.5, 5.0),  # talks over the agent
        ("agent", "Let me check.", 60.0, 61.0),  # 55 s of silence and waiting
    ], channel="call")
    checks = result.details["checks"]
    assert checks["longest customer wait s"] == pytest.approx(1 - 25 / 30, abs=0.001)
    assert checks["longest silence s"] < 1.0
    assert checks["talk-over count"] == 1.0
    assert result.details["timing"]["talk_over_count"] == 1


def test_untimed_chat_is_not_applicable(evaluate: Evaluate) -> None:
    result = evaluate("response_time", [("customer", "hi"), ("agent", "hello")])
    assert not result.applicable
