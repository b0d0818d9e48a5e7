import pytest
from scipy import stats

from scorer.aggregation import mean_confidence_interval, summarize_agents
from scorer.conversation import Conversation
from scorer.scorecard import load_scorecard
from scorer.scoring import Scorer


def test_confidence_interval_matches_student_t() -> None:
    values = [62.0, 80.0, 91.5, 70.0, 88.0]
    mean, low, high = mean_confidence_interval(values)
    expected = stats.t.interval(0.95, len(values) - 1, loc=sum(values) / len(values),
                                scale=stats.sem(values))
    assert mean == pytest.approx(78.3)
    assert (low, high) == pytest.approx(expected)
    assert mean_confidence_interval([50.0]) == (50.0, None, None)
    assert mean_confidence_interval([0.0, 100.0])[1:] == (0.0, 100.0)  # clipped to the scale


def _chat(cid: str, agent: str, opening: str) -> Conversation:
    return Conversation.model_validate({"id": cid, "agent_id": agent, "turns": [
        {"role": "agent", "text": opening},
        {"role": "customer", "text": "I want to check my balance."},
        {"role": "agent", "text": "It is 40 dollars. Thanks for calling, have a nice day!"}]})


def test_per_agent_summary_from_real_scores() -> None:
    scorer = Scorer(load_scorecard("default"))
    scores = [scorer.score(c) for c in [
        _chat("a-1", "ann", "Hello, my name is Ann, how can I help you?"),
        _chat("a-2", "ann", "Good morning, this is Ann, how may I assist you?"),
        _chat("b-1", "bob", "Yes?"),
        _chat("b-2", "bob", "Hello, Bob here, what can I do for you?"),
    ]]
    summaries = {s.agent_id: s for s in summarize_agents(scores)}
    assert summaries["bob"].n == 2 and summaries["ann"].n == 2
    assert summaries["bob"].worst[0] == "b-1"  # no greeting: critical failure, score 0
    assert summaries["bob"].critical_failures == 1
    assert summaries["bob"].pass_rates["greeting"] == 0.5
    assert summaries["ann"].pass_rates["greeting"] == 1.0
    assert summaries["ann"].pass_rates["empathy"] is None  # never applicable
    assert summarize_agents(scores)[0].agent_id == "bob"  # lowest mean first
