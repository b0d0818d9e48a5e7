"""Redaction on real text from the shared corpora (ABCD chats, a Harper Valley call) and on a
synthetic call spoken by espeak-ng and transcribed by Whisper (spoken card and phone)."""

from pathlib import Path

import pytest

from scorer.asr import TranscriptionOptions
from scorer.asr.synthetic import Line, synthesize_call
from scorer.conversation import Role
from scorer.readers import ReaderOptions, read_file
from scorer.redaction import Redactor
from scorer.scorecard import load_scorecard
from scorer.scoring import Scorer
from tests.scorer.redaction.redaction_helpers import assert_spans_index_the_redacted_text

REDACTOR = Redactor()


def _abcd(shared_corpus):  # type: ignore[no-untyped-def]
    return read_file(shared_corpus("abcd_sample") / "abcd_sample.json")


def test_abcd_chat_with_every_kind_of_personal_data(shared_corpus) -> None:
    chat = _abcd(shared_corpus)[0]
    redaction = REDACTOR.redact(chat)
    found = [(i, e.kind, e.text) for i, e in redaction.entities]
    assert found == [
        (4, "NAME", "Crystal Minh"),            # customer: "Crystal Minh"
        (6, "NAME", "Crystal Minh"),            # action: "Account has been pulled up for ..."
        (9, "ACCOUNT", "cminh730"),             # "Username: cminh730"
        (10, "EMAIL", "cminh730@email.com"),
        (11, "ACCOUNT", "3348917502"),          # "Order ID: 3348917502"
        (13, "NAME", "Crystal"),                # agent: "... membership level Crystal?"
        (21, "PHONE", "(977) 625-2661"),
        (22, "PHONE", "(977) 625-2661"),        # action: "Details of ... have been entered."
    ]
    texts = [t.text for t in redaction.conversation.turns]
    assert texts[9] == "Username: [ACCOUNT]" and texts[11] == "Order ID: [ACCOUNT]"
    assert texts[13] == "thanks so much! What is your membership level [NAME]?"
    # Nothing else: "90 days", "I'm a bronze", "November" stay.
    assert "more than 90 days" in texts[17] and texts[14] == "I'm a bronze"


def test_abcd_bare_identifiers_and_a_chat_without_personal_data(shared_corpus) -> None:
    _, refund, promo = _abcd(shared_corpus)
    found = {(e.kind, e.text) for _, e in REDACTOR.redact(refund).entities}
    assert found == {("NAME", "Alessandro Phoenix"), ("ACCOUNT", "aphoenix939"),
                     ("PHONE", "7916676427"), ("EMAIL", "aphoenix939@email.com")}
    # Answering "the order ID" with the bare number: phonenumbers reads a valid US number;
    # either way it is redacted. "7 days", "HEY HO!" in the promo chat stay.
    assert REDACTOR.redact(promo).entities == []


def test_scoring_redacted_abcd_chats(shared_corpus) -> None:
    """Evidence spans index the redacted text. Verdicts: the politeness model sees slightly
    different text; nothing else changes (placeholders such as "[NAME]" are not jargon)."""
    scorer = Scorer(load_scorecard("default"))
    for chat in _abcd(shared_corpus):
        redaction = REDACTOR.redact(chat)
        before, after = scorer.score(chat), scorer.score(redaction.conversation)
        assert_spans_index_the_redacted_text(after, redaction.conversation)
        for name, result in after.criteria.items():
            old = before.criteria[name]
            if name == "politeness":
                assert abs((result.score or 0) - (old.score or 0)) < 0.01
            else:
                assert (result.passed, result.score) == (old.passed, old.score), name


def test_harper_valley_caller_introduction_is_redacted_not_the_agents(shared_corpus) -> None:
    path = shared_corpus("harper_valley_sample") / "0002f70f7386445b.compact.json"
    for transcript in ("human", "asr"):
        (call,) = read_file(path, ReaderOptions(transcript=transcript))
        redaction = REDACTOR.redact(call)
        assert [(i, e.kind, e.text) for i, e in redaction.entities] == [
            (4, "NAME", "patricia brown")]
        turns = redaction.conversation.turns
        assert turns[4].text == "my name is [NAME]"
        assert turns[1].text == call.turns[1].text  # "my name is elizabeth" (the agent)
        # No word timings in the compact copy: the whole turn is silenced.
        assert redaction.silence == [(call.turns[4].start, call.turns[4].end)]


@pytest.mark.slow
def test_synthetic_call_spoken_card_phone_and_name(tmp_path: Path) -> None:
    lines = [
        Line(Role.AGENT, "Good morning, my name is Sarah, how can I help you?"),
        Line(Role.CUSTOMER, "Hi, this is Patricia Brown, I want to pay my bill."),
        Line(Role.AGENT, "Of course. What is the card number?"),
        Line(Role.CUSTOMER, "It is four five three two, zero one five one, one two eight "
                            "three, zero three six six."),
        Line(Role.AGENT, "Thank you Patricia. And a phone number?"),
        Line(Role.CUSTOMER, "two zero one, five five five, zero one two three."),
        Line(Role.AGENT, "Done. Have a nice day."),
    ]
    spoken = synthesize_call(lines, tmp_path / "call.wav")
    (tmp_path / "call.yaml").write_text("agent_name: Sarah\ncustomer_name: Patricia Brown\n")
    (call,) = read_file(tmp_path / "call.wav",
                        ReaderOptions(asr=TranscriptionOptions(model="tiny.en", beam_size=1)))
    redaction = REDACTOR.redact(call)
    kinds = [e.kind for _, e in redaction.entities]
    assert kinds.count("CARD") == 1 and kinds.count("PHONE") == 1 and "NAME" in kinds
    text = " ".join(t.text for t in redaction.conversation.turns)
    assert "Sarah" in text and "Patricia" not in text and "4532" not in text
    # The card line's audio is inside the silenced intervals (ASR word edges: 0.5 s slack).
    card = spoken[3]
    covered = sum(max(0.0, min(end, card.end) - max(start, card.start))
                  for start, end in redaction.silence)
    assert covered >= (card.end - card.start) - 1.0
