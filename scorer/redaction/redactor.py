"""`Redactor`: finds personal data in a text and redacts a whole conversation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from scorer.conversation import Conversation, Role, Turn
from scorer.language import SUPPORTED_LANGUAGES, detect_languages
from scorer.redaction import recognizers as _recognizers  # noqa: F401  (registers them)
from scorer.redaction.model import KINDS, Entity, Redaction
from scorer.redaction.packs import load_pack
from scorer.redaction.realign import merge, redact_words, replace_spans
from scorer.redaction.recognizers.names import prefetch_persons, wants_persons
from scorer.redaction.registry import RECOGNIZERS, Context, Recognizer
from scorer.redaction.resolve import resolve


class Redactor:
    """Finds and redacts personal data. Settings only (sklearn-style): nothing is learned, one
    instance serves any number of conversations and threads."""

    def __init__(self, kinds: Collection[str] = KINDS, placeholder: str = "[{kind}]") -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; choose from {KINDS}")
        placeholder.format(kind="CARD")  # a bad format string fails here, not mid-batch
        self.kinds = tuple(k for k in KINDS if k in kinds)
        self.placeholder = placeholder
        self._recognizers: list[Recognizer] = [
            r for r in RECOGNIZERS.values() if set(r.kinds) & set(self.kinds)]

    def find(self, text: str, language: str | None, *, role: Role | None = None,
             known_names: Sequence[str] = (), own_names: Sequence[str] = ()) -> list[Entity]:
        """Personal data in `text`: sorted, non-overlapping entities (offsets into `text`).

        `known_names`: the customer's name(s), taken wherever they stand; `own_names`: the
        agent's, never taken. `role` None is treated as a customer's turn (self-introductions
        are taken)."""
        if not text.strip():
            return []
        context = Context(text, language, load_pack(language), role, known_names, own_names)
        found = [e for r in self._recognizers for e in r.find(context) if e.kind in self.kinds]
        return resolve(found)

    def redact(self, conversation: Conversation) -> Redaction:
        """A redacted copy of `conversation` with what was taken out and the audio to silence.

        Each turn is searched in turn.language, else the conversation's, else the detected
        one. Timed words of redacted text are silenced; a redacted turn with start and end
        but no word timings (or none that could be placed on the entity) is silenced whole:
        conservative, the speech cannot be placed more finely. Untimed turns give no
        silence."""
        languages = _languages(conversation)
        if "NAME" in self.kinds:
            prefetch_persons(t.text for t, language in zip(conversation.turns, languages,
                                                            strict=True)
                             if wants_persons(t.text, language))
        known = [conversation.customer_name] if conversation.customer_name else []
        own = [conversation.agent_name] if conversation.agent_name else []
        turns: list[Turn] = []
        entities: list[tuple[int, Entity]] = []
        silence: list[tuple[float, float]] = []
        for index, turn in enumerate(conversation.turns):
            found = self.find(turn.text, languages[index], role=turn.role, known_names=known,
                              own_names=own)
            if not found:
                turns.append(turn)
                continue
            entities += [(index, e) for e in found]
            update: dict[str, object] = {"text": replace_spans(turn.text, found,
                                                               self.placeholder)}
            spans: list[tuple[float, float]] = []
            if turn.words:
                update["words"], spans = redact_words(turn, found, self.placeholder)
            if not spans and turn.start is not None and turn.end is not None:
                # No timed word could be placed on the entity: the whole turn.
                spans = [(turn.start, turn.end)]
            silence += spans
            turns.append(turn.model_copy(update=update))
        counts = Counter(e.kind for _, e in entities)
        return Redaction(conversation=conversation.model_copy(update={"turns": turns}),
                         entities=entities, silence=merge(silence),
                         counts={kind: counts.get(kind, 0) for kind in self.kinds})


def _languages(conversation: Conversation) -> list[str | None]:
    """Per turn: its language, else the conversation's, else the detected one."""
    if all(t.language for t in conversation.turns) or conversation.language:
        return [t.language or conversation.language for t in conversation.turns]
    detected = detect_languages(conversation, SUPPORTED_LANGUAGES)
    return [t.language for t in detected.turns]
