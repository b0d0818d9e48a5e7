"""Every bundled formula pack is complete, consistent and usable by the matcher."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from scorer.conversation import Role
from scorer.formulas import (
    MATCHABLE_SECTIONS,
    PLACEHOLDERS,
    FormulaPack,
    available_languages,
    load_pack,
    packs_directory,
)
from scorer.language import SUPPORTED_LANGUAGES
from scorer.matching import FormulaMatcher
from scorer.text import normalize, tokenize

LANGUAGES = available_languages()
ELEMENTS = {
    "greeting": ("salutation", "self_identification", "offer_of_help"),
    "farewell": ("thanks", "anything_else", "closing_wish"),
}
LIST_SECTIONS = ("empathy", "apology", "politeness", "rudeness", "distress", "fillers")
NAMES = {"agent_name": "Zed", "company": "Qux", "customer_name": "Vim"}


def _placeholders(phrase: str) -> list[str]:
    return re.findall(r"\{(\w*)\}", phrase)


def _phrases(pack: FormulaPack, section: str, element: str | None = None) -> list[str]:
    """The phrases of a section, or of one of its elements; `fillers` counts as a section."""
    if section == "fillers":
        return list(pack.fillers)
    return [p for (name, key), group in pack.groups().items()
            if name == section and element in (None, key) for p in group]


def _section_phrases(pack_language: str) -> list[tuple[str, list[str]]]:
    pack = load_pack(pack_language)
    return [(section, _phrases(pack, section)) for section in (*MATCHABLE_SECTIONS, "fillers")]


def test_every_supported_language_has_a_pack() -> None:
    assert set(SUPPORTED_LANGUAGES) <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pack_loads_with_its_language(language: str) -> None:
    pack = load_pack(language)
    assert pack.language == language == (packs_directory() / f"{language}.yaml").stem
    assert pack.name.strip()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_element_has_phrases(language: str) -> None:
    pack = load_pack(language)
    for section, elements in ELEMENTS.items():
        assert set(getattr(pack, section)) == set(elements), (language, section)
        for element in elements:
            assert _phrases(pack, section, element), (language, section, element)
    for section in LIST_SECTIONS:
        assert _phrases(pack, section), (language, section)
    assert set(pack.roles) == set(Role)
    assert all(pack.roles[role] for role in Role), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_duplicates_after_normalisation(language: str) -> None:
    pack = load_pack(language)
    # Within a section: a phrase listed under two elements would make attribution arbitrary.
    for section, phrases in _section_phrases(language):
        repeated = [p for p, n in Counter(normalize(p) for p in phrases).items() if n > 1]
        assert not repeated, (language, section, repeated)
    role_words = Counter(normalize(w) for words in pack.roles.values() for w in words)
    assert not [w for w, n in role_words.items() if n > 1], language


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_known_and_phrases_have_words(language: str) -> None:
    for section, phrases in _section_phrases(language):
        for phrase in phrases:
            assert set(_placeholders(phrase)) <= set(PLACEHOLDERS), (language, section, phrase)
            literal = tokenize(phrase.format(**dict.fromkeys(PLACEHOLDERS, "")))
            assert literal, (language, section, phrase)
            assert phrase == phrase.strip() and "  " not in phrase, (language, phrase)


@pytest.mark.parametrize("language", LANGUAGES)
def test_fillers_are_single_words_not_used_in_formulas(language: str) -> None:
    """The matcher drops filler tokens from the text, so a formula word that is a filler
    could never be found."""
    pack = load_pack(language)
    fillers = {normalize(f) for f in pack.fillers}
    assert all(len(tokenize(f)) == 1 for f in pack.fillers), language
    for section in MATCHABLE_SECTIONS:
        for phrase in _phrases(pack, section):
            clash = fillers & {t.norm for t in tokenize(phrase)}
            assert not clash, (language, section, phrase, clash)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phrase_is_found_in_its_own_element(language: str) -> None:
    """Each phrase, said as written, is matched whole and attributed to its own element."""
    pack = load_pack(language)
    matcher = FormulaMatcher.for_pack(pack, names=NAMES)
    for section in MATCHABLE_SECTIONS:
        elements = ELEMENTS.get(section, (None,))
        for element in elements:
            phrases = _phrases(pack, section, element)
            for phrase in phrases:
                text = phrase.format(**NAMES)
                words = tokenize(text)
                found = [(m.element, m.start, m.end) for m in matcher.find(text, section)]
                expected = (element, words[0].start, words[-1].end)
                assert expected in found, (language, section, phrase, found)
