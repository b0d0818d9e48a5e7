import json

import pytest
from pydantic import ValidationError

from scorer.conversation import Conversation, language_code
from scorer.errors import ReadError, describe_validation
from scorer.readers import read_file


def chat(language: object, turn_language: object = None) -> dict[str, object]:
    return {"id": "c", "language": language,
            "turns": [{"role": "agent", "text": "Hallo", "language": turn_language}]}


@pytest.mark.parametrize(("tag", "code"), [
    ("de", "de"), ("EN", "en"), (" ru ", "ru"), ("pt-BR", "pt"), ("en_GB", "en"),
    ("zh-Hant-TW", "zh"), ("rus", "ru"), ("fas", "fa"), ("gsw", "gsw"), ("xx", "xx"),
])
def test_language_tags_are_read_as_their_iso_639_code(tag: str, code: str) -> None:
    conversation = Conversation.model_validate(chat(tag, tag))
    assert conversation.language == code and conversation.turns[0].language == code
    assert language_code(tag) == code


@pytest.mark.parametrize("bad", ["", "  ", "english", "e", "e1", "de-", "de--at", "x" * 5000,
                                 "de; DROP TABLE"])
def test_malformed_languages_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Conversation.model_validate(chat(bad))
    message = describe_validation(info.value)
    assert message.startswith("language: ") and "not an ISO 639 language code" in message
    assert len(message) < 200  # a huge value is not echoed whole
    with pytest.raises(ValidationError) as info:
        Conversation.model_validate(chat("en", bad))
    assert describe_validation(info.value).startswith("turns.0.language: ")


def test_a_file_with_a_malformed_language_names_it(tmp_path) -> None:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(chat("German")), encoding="utf-8")
    with pytest.raises(ReadError, match=r"\(id 'c'\): language: .*'German' is not an ISO"):
        read_file(path)
