"""Checks shared by the redaction tests (imported by the tests beside it)."""

from scorer.conversation import Conversation
from scorer.scoring import ConversationScore


def assert_spans_index_the_redacted_text(score: ConversationScore,
                                         conversation: Conversation) -> None:
    """Every evidence span's text is the scored (redacted) turn text at that span."""
    for result in score.criteria.values():
        for evidence in result.evidence:
            if evidence.turn is not None and evidence.start is not None:
                text = conversation.turns[evidence.turn].text
                assert text[evidence.start:evidence.end] == evidence.text, evidence
