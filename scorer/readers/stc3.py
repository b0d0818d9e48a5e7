"""NTCIR-14 STC-3 customer-helpdesk dialogues (DCH-1): a JSON list of
`{"id", "turns": [{"sender": "customer"|"helpdesk", "utterances": [...]}], "annotations": [...]}`.

Parsing is the corpus loader's (`corpora.loaders.stc3`); the annotations are labels for training
and evaluation, so they stay out of the Conversation.
"""

from __future__ import annotations

from corpora.loaders.stc3 import language_of, parse_dialogue
from scorer.conversation import Conversation
from scorer.readers.registry import register_reader
from scorer.readers.source import Source


def _looks_like_stc3(source: Source) -> bool:
    data = source.data
    if not (isinstance(data, list) and data and isinstance(data[0], dict)):
        return False
    turns = data[0].get("turns")
    return (isinstance(turns, list) and bool(turns) and isinstance(turns[0], dict)
            and "sender" in turns[0])


@register_reader("stc3", extensions=(".json",), sniff=_looks_like_stc3)
def read_stc3(source: Source) -> list[Conversation]:
    if not isinstance(source.data, list):
        raise source.error("expected a JSON list of STC-3 dialogues")
    language = language_of(source.path)
    return [parse_dialogue(record, language, f"{source.path}: dialogue {index}")
            .to_conversation() for index, record in enumerate(source.data)]
