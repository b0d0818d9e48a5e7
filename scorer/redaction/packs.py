"""Per-language recogniser settings as data: `corpora/redaction/<lang>.yaml`.

Words in a pack are compared with text tokens after `scorer.text.normalize`, so the loaded
`Pack` holds them normalised; cues are token sequences. A language without a pack (or no
language) gets the neutral pack: digits, e-mail, IBAN, cards and "+..." phone numbers still
work, language words do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scorer.errors import ConfigError
from scorer.text import tokenize

Words = frozenset[str]
Cue = tuple[str, ...]


class PackFile(BaseModel):
    """The YAML file as written."""

    model_config = ConfigDict(extra="forbid")

    language: str
    digits: dict[int, list[str]] = Field(default_factory=dict)
    multipliers: dict[str, int] = Field(default_factory=dict)
    plus: list[str] = Field(default_factory=list)
    phone_regions: list[str] = Field(default_factory=list)
    email_at: list[str] = Field(default_factory=list)
    email_dot: list[str] = Field(default_factory=list)
    email_tlds: list[str] = Field(default_factory=list)
    national_ids: list[str] = Field(default_factory=list)
    currencies: list[str] = Field(default_factory=list)
    account_cues: list[str] = Field(default_factory=list)
    account_cue_skip: list[str] = Field(default_factory=list)
    name_cues: list[str] = Field(default_factory=list)
    weak_name_cues: list[str] = Field(default_factory=list)
    name_cue_skip: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)
    agent_intro_cues: list[str] = Field(default_factory=list)
    person_cues: list[str] = Field(default_factory=list)
    mention_cues: list[str] = Field(default_factory=list)
    non_person_heads: list[str] = Field(default_factory=list)
    object_cues: list[str] = Field(default_factory=list)
    owner_cues: list[str] = Field(default_factory=list)
    count_nouns: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Pack:
    """A pack ready for matching: every word normalised, cues as token tuples."""

    language: str | None
    digit_words: dict[str, int]
    multipliers: dict[str, int]
    plus: Words
    phone_regions: tuple[str, ...]
    email_at: Words
    email_dot: Words
    email_tlds: Words
    national_ids: tuple[str, ...]
    currencies: Words
    account_cues: tuple[Cue, ...]
    account_cue_skip: Words
    name_cues: tuple[Cue, ...]
    weak_name_cues: tuple[Cue, ...]
    name_cue_skip: Words
    stopwords: Words
    agent_intro_cues: tuple[Cue, ...] = ()
    """How agents introduce or sign themselves ("you are speaking with", "specialist"): the
    name after one in an agent turn is the agent's own, never taken."""
    person_cues: Words = frozenset()
    """Words right before a name that make it a person's: greetings, relation nouns
    ("my husband Tom"), "named"."""
    mention_cues: Words = frozenset()
    """Prepositions an agent names a person of the case with ("calling about Ann Lee", "the
    booking for Ann Lee"): enough context for a full (2+ word) name in an agent turn."""
    non_person_heads: Words = frozenset()
    """Head nouns of organisations, places and products ("... Building", "... Bank"): a
    capitalised phrase ending in (or followed by) one is not a person."""
    object_cues: tuple[Cue, ...] = ()
    """Nouns naming things, not persons' accounts ("machine", "serial number", "version"):
    a bare number they label is not personal data."""
    owner_cues: tuple[Cue, ...] = ()
    """Words tying a number in an agent turn to a person ("your", "my"); without one (or a
    mobile number) an agent's number is the organisation's."""
    count_nouns: Words = frozenset()
    """Nouns after a counted number word ("three times"): that word is no digit."""

    @classmethod
    def from_file(cls, data: PackFile | None) -> Pack:
        data = data or PackFile(language="")
        digit_words = {_norm(w): d for d, words in data.digits.items() for w in words}
        return cls(
            language=data.language or None, digit_words=digit_words,
            multipliers={_norm(w): n for w, n in data.multipliers.items()},
            plus=_words(data.plus), phone_regions=tuple(r.upper() for r in data.phone_regions),
            email_at=_words(data.email_at), email_dot=_words(data.email_dot),
            email_tlds=_words(data.email_tlds), national_ids=tuple(data.national_ids),
            currencies=_words(data.currencies), account_cues=_cues(data.account_cues),
            account_cue_skip=_words(data.account_cue_skip), name_cues=_cues(data.name_cues),
            weak_name_cues=_cues(data.weak_name_cues),
            name_cue_skip=_words(data.name_cue_skip), stopwords=_words(data.stopwords),
            agent_intro_cues=_cues(data.agent_intro_cues), person_cues=_words(data.person_cues),
            mention_cues=_words(data.mention_cues),
            non_person_heads=_words(data.non_person_heads),
            object_cues=_cues(data.object_cues), owner_cues=_cues(data.owner_cues),
            count_nouns=_words(data.count_nouns))


def _norm(word: str) -> str:
    return "".join(t.norm for t in tokenize(word))


def _words(words: list[str]) -> Words:
    return frozenset(_norm(w) for w in words)


def _cues(cues: list[str]) -> tuple[Cue, ...]:
    """Token sequences, longest first so that "account number" wins over "account"."""
    sequences = {tuple(t.norm for t in tokenize(c)) for c in cues}
    return tuple(sorted((s for s in sequences if s), key=lambda s: (-len(s), s)))


def packs_directory() -> Path:
    return Path(str(resources.files("corpora") / "redaction"))


NEUTRAL = Pack.from_file(None)


@lru_cache(maxsize=32)
def load_pack(language: str | None, directory: Path | None = None) -> Pack:
    """The pack of `language`; the neutral pack when there is none for it."""
    if not language:
        return NEUTRAL
    path = (directory or packs_directory()) / f"{language}.yaml"
    if not path.is_file():
        return NEUTRAL
    try:
        return Pack.from_file(PackFile.model_validate(
            yaml.safe_load(path.read_text(encoding="utf-8"))))
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", location=str(path)) from exc
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, location=str(path)) from exc
