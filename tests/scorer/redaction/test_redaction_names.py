"""Names: self-introductions in the seven languages, weak cues only before Capitalised words,
the agent's own name never taken, known names in any turn."""

import pytest

from scorer.conversation import Role
from scorer.redaction import Redactor

REDACTOR = Redactor(kinds=("NAME",))


def names(text: str, language: str, role: Role = Role.CUSTOMER, **kw: list[str]) -> list[str]:
    return [e.text for e in REDACTOR.find(text, language, role=role, **kw)]


@pytest.mark.parametrize(("language", "text", "name"), [
    ("en", "my name is patricia brown i lost my debit card", "patricia brown"),
    ("en", "I'm Crystal, hi", "Crystal"),
    ("ru", "Здравствуйте, меня зовут Иван Петров", "Иван Петров"),
    ("ar", "اسمي أحمد الشمري وأريد المساعدة", "أحمد الشمري"),
    ("fa", "اسم من سارا احمدی است", "سارا احمدی"),
    ("ms", "nama saya ahmad bin ali, kad saya hilang", "ahmad bin ali"),
    ("uz", "Mening ismim Aziz Karimov, kartam yo'qoldi", "Aziz Karimov"),
    ("mn", "Миний нэр Бат. Карт алга болсон", "Бат"),
])
def test_customer_self_introductions(language: str, text: str, name: str) -> None:
    assert names(text, language) == [name]


@pytest.mark.parametrize("text", ["this is ridiculous", "This is unacceptable.",
                                  "i'm fine thanks", "I'm a bronze"])
def test_weak_cues_take_no_common_words(text: str) -> None:
    assert names(text, "en") == []


def test_agents_own_name_stays_and_other_names_go() -> None:
    assert names("Здравствуйте, меня зовут Ольга", "ru", Role.AGENT) == []
    assert names("my name is elizabeth", "en", Role.AGENT) == []
    # Not in own_names, but an agent's self-introduction: NER must not take it either.
    assert names("Hello, my name is Anna, I am calling about Tom Hanks", "en",
                 Role.AGENT) == ["Tom Hanks"]
    assert names("Hi Anna, how do I change my PIN?", "en", own_names=["Anna"]) == []


def test_known_name_in_any_turn_and_language_whole_words_only() -> None:
    known = ["Crystal Minh"]
    assert names("thanks so much, crystal!", "en", Role.AGENT, known_names=known) == [
        "crystal"]
    assert names("Спасибо, Crystal Minh", "ru", Role.AGENT, known_names=known) == [
        "Crystal Minh"]
    assert names("crystalline minhs", "en", known_names=known) == []
