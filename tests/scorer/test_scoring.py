from scorer.conversation import Conversation
from scorer.scorecard import load_scorecard, parse_scorecard
from scorer.scoring import Scorer

GOOD = Conversation.model_validate({"id": "good", "agent_id": "a1", "turns": [
    {"role": "agent", "text": "Good morning, my name is Sam, how can I help you?"},
    {"role": "customer", "text": "Hi, I need to change my delivery address please."},
    {"role": "agent", "text": "Of course, could you please tell me the new address?"},
    {"role": "customer", "text": "12 Oak Street."},
    {"role": "agent", "text": "Done. Thank you for contacting us, is there anything else I can "
                              "help you with? Have a great day!"},
]})
RUDE = GOOD.model_copy(update={"id": "rude", "turns": [
    *GOOD.turns[:2],
    GOOD.turns[2].model_copy(update={"text": "Whatever, not my problem. Tell me the address."}),
    *GOOD.turns[3:],
]})


def test_weighted_score_over_applicable_criteria() -> None:
    result = Scorer(load_scorecard("default")).score(GOOD)
    assert not result.criteria["empathy"].applicable  # calm customer, untimed chat
    assert not result.criteria["response_time"].applicable
    card = load_scorecard("default")
    applicable = {k: r for k, r in result.criteria.items() if r.applicable}
    expected = 100 * sum(card.criteria[k].weight * (r.score or 0) for k, r in applicable.items())
    expected /= sum(card.criteria[k].weight for k in applicable)
    assert result.score == round(expected, 2)
    assert result.score > 90 and result.passed and not result.critical_failures


def test_critical_failure_fails_the_whole_conversation() -> None:
    result = Scorer(load_scorecard("default")).score(RUDE)
    assert result.critical_failures == ["politeness"]
    assert result.score == 0.0
    assert result.weighted_score is not None and result.weighted_score > 50
    assert not result.passed


def test_same_criterion_twice_under_two_names_and_formula_additions() -> None:
    card = parse_scorecard({
        "name": "custom", "company": "Zed Telecom",
        "formulas": {"en": {"greeting": {"salutation": ["zed says hi"]}}},
        "criteria": {
            "greeting": {"weight": 1, "params": {"elements": ["salutation"]}},
            "brand_greeting": {"type": "greeting", "weight": 1,
                               "params": {"elements": ["salutation"], "opening_turns": 1}},
        }}, "inline")
    conversation = Conversation.model_validate({"id": "c", "turns": [
        {"role": "agent", "text": "Zed says hi!"}, {"role": "customer", "text": "hi"}]})
    result = Scorer(card).score(conversation)
    assert result.criteria["brand_greeting"].evidence[0].formula == (
        "greeting.salutation: zed says hi")
    assert result.criteria["greeting"].passed and result.score == 100.0


def test_conversation_without_agent_has_no_score() -> None:
    conversation = Conversation.model_validate({"id": "c", "turns": [
        {"role": "customer", "text": "Hello? Is anyone there?"}]})
    result = Scorer(load_scorecard("default")).score(conversation)
    assert result.score is None and not result.passed
