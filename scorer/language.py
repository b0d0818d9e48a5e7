"""Language identification restricted to the languages IQS supports.

Short turns ("ok", "hi") are unreliable for any character-n-gram identifier, so a turn whose
text is short or whose identification is unsure takes the conversation's language instead.

A conversation may carry a language IQS does not support ("de"). An identifier restricted to
the supported languages would still name one of them for its turns (German reads as English at
P 0.9), so there each turn is identified among all of py3langid's languages, and takes a
supported one only when that is what it is, surely: an English turn in a German chat is
English, the German turns keep "de".
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from scorer.conversation import Conversation, Turn
from scorer.text import tokenize

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ar", "fa", "ms", "uz", "mn", "ru")
MIN_TURN_WORDS = 3
MIN_CONFIDENCE = 0.80


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...] | None) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages is not None:
        identifier.set_languages(list(languages))
    return identifier


def identify(text: str, languages: tuple[str, ...] | None = SUPPORTED_LANGUAGES,
             ) -> tuple[str, float]:
    """(language code, probability) for `text`, among `languages` (None: all py3langid
    knows)."""
    code, probability = _identifier(languages).classify(text)
    return str(code), float(probability)


def detect_languages(
    conversation: Conversation,
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
    override: str | None = None,
) -> Conversation:
    """Return `conversation` with `language` set on it and on every turn.

    `override` (or a language the conversation already carries) wins over detection for the
    conversation; a turn keeps a language it already has.
    """
    if override is not None and override not in languages:
        raise ValueError(f"language {override!r} is not supported; choose one of {languages}")
    conversation_language = override or conversation.language
    if conversation_language is None:
        text = " ".join(t.text for t in conversation.turns if t.text.strip())
        conversation_language = identify(text, languages)[0] if text else languages[0]
    turns = [
        turn if turn.language else turn.model_copy(
            update={"language": _turn_language(turn, conversation_language, languages)}
        )
        for turn in conversation.turns
    ]
    return conversation.model_copy(update={"language": conversation_language, "turns": turns})


def _turn_language(turn: Turn, fallback: str, languages: tuple[str, ...]) -> str:
    if len(tokenize(turn.text)) < MIN_TURN_WORDS:
        return fallback
    # In a conversation of a language outside `languages`, the turn is asked among all.
    code, probability = identify(turn.text, languages if fallback in languages else None)
    return code if probability >= MIN_CONFIDENCE and code in languages else fallback

