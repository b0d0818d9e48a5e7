"""Redacting whole conversations: placeholder text, re-aligned word timings, audio intervals
to silence, counts, and scoring the redacted copy (evidence spans index the redacted text)."""

from pathlib import Path

import pytest

from scorer.conversation import Conversation, Role, Turn, WordTiming
from scorer.readers import read_paths
from scorer.redaction import KINDS, Redactor
from scorer.scorecard import load_scorecard
from scorer.scoring import ConversationScore, Scorer
from tests.scorer.redaction.redaction_helpers import assert_spans_index_the_redacted_text

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "chats"


def timed(text: str, start: float, role: Role = Role.CUSTOMER) -> Turn:
    """A turn with one timed word per space-separated word, 0.5 s each."""
    words = [WordTiming(word=w, start=start + 0.5 * i, end=start + 0.5 * i + 0.4)
             for i, w in enumerate(text.split())]
    return Turn(role=role, text=text, start=start, end=words[-1].end, words=words)


CALL = Conversation(id="call", channel="call", language="en", agent_name="Elizabeth",
                    customer_name="Patricia Brown", turns=[
    timed("hello my name is elizabeth how can i help", 0.0, Role.AGENT),
    timed("hi this is patricia brown my card is 4532 0151 1283 0366 thanks", 10.0),
    timed("thank you patricia", 20.0, Role.AGENT),
    Turn(role=Role.CUSTOMER, text="my number is (201) 555-0123", start=30.0, end=33.0),
    Turn(role=Role.CUSTOMER, text="you can mail john.doe@example.com"),
])


def test_words_are_realigned_and_entities_collapse_into_one_placeholder() -> None:
    redaction = Redactor().redact(CALL)
    turns = redaction.conversation.turns
    assert turns[0] == CALL.turns[0]  # the agent's own name stays
    assert turns[1].text == "hi this is [NAME] my card is [CARD] thanks"
    assert [w.word for w in turns[1].words] == [
        "hi", "this", "is", "[NAME]", "my", "card", "is", "[CARD]", "thanks"]
    name, card = turns[1].words[3], turns[1].words[7]
    # "patricia brown" are words 3-4 (11.5-12.4 s), the card's four groups words 8-11.
    assert (name.start, name.end) == (11.5, 12.4)
    assert (card.start, card.end) == (14.0, 15.9)
    assert turns[2].text == "thank you [NAME]" and turns[2].words[-1].word == "[NAME]"
    # The texts and the words say the same.
    for turn in turns[:3]:
        assert " ".join(w.word for w in turn.words) == turn.text


def test_silence_intervals_merged_and_whole_untimed_words_turns() -> None:
    redaction = Redactor().redact(CALL)
    # Timed words; a turn with start/end but no word timings is silenced whole; the untimed
    # chat turn gives no interval.
    assert redaction.silence == [(11.5, 12.4), (14.0, 15.9), (21.0, 21.4), (30.0, 33.0)]
    assert redaction.conversation.turns[4].text == "you can mail [EMAIL]"


def test_entities_counts_and_originals_untouched() -> None:
    redaction = Redactor().redact(CALL)
    assert redaction.counts == {"CARD": 1, "PHONE": 1, "EMAIL": 1, "IBAN": 0, "ACCOUNT": 0,
                                "NATIONAL_ID": 0, "NAME": 2}
    for index, entity in redaction.entities:
        assert CALL.turns[index].text[entity.start:entity.end] == entity.text
    assert "patricia" in CALL.turns[1].text  # the input is not changed


def test_kinds_and_placeholder_settings() -> None:
    redactor = Redactor(kinds=("CARD",), placeholder="<{kind}>")
    redaction = redactor.redact(CALL)
    assert redaction.counts == {"CARD": 1}
    assert redaction.conversation.turns[1].text == (
        "hi this is patricia brown my card is <CARD> thanks")
    with pytest.raises(ValueError, match="unknown kinds"):
        Redactor(kinds=("SSN",))
    assert set(Redactor().kinds) == set(KINDS)


def test_language_per_turn_falls_back_to_detection() -> None:
    chat = Conversation(id="ru", turns=[
        Turn(role=Role.AGENT, text="Здравствуйте, меня зовут Ольга, чем могу помочь?"),
        Turn(role=Role.CUSTOMER, text="Здравствуйте, меня зовут Иван Петров, мой телефон "
                                      "восемь девять один два три четыре пять шесть семь "
                                      "восемь девять"),
    ])
    redaction = Redactor().redact(chat)
    assert redaction.conversation.turns[0].text == chat.turns[0].text
    assert redaction.conversation.turns[1].text == (
        "Здравствуйте, меня зовут [NAME], мой телефон [PHONE]")


def _verdicts(score: ConversationScore) -> dict[str, tuple[bool, bool, float | None]]:
    return {k: (r.applicable, r.passed, r.score) for k, r in score.criteria.items()}


def test_scoring_the_redacted_samples_keeps_evidence_spans_and_verdicts() -> None:
    scorer, redactor = Scorer(load_scorecard("default")), Redactor()
    conversations = read_paths([SAMPLES]).conversations
    assert len(conversations) == 10
    redacted_somewhere = 0
    for conversation in conversations:
        redaction = redactor.redact(conversation)
        redacted_somewhere += bool(redaction.entities)
        before, after = scorer.score(conversation), scorer.score(redaction.conversation)
        assert_spans_index_the_redacted_text(after, redaction.conversation)
        # The samples' account numbers sit in customer turns: nothing scored changes.
        assert _verdicts(before) == _verdicts(after), conversation.id
        assert before.score == after.score
    assert redacted_somewhere == 2  # chat-uz-0412's "4471-209", T-5001's "55-120-884"

