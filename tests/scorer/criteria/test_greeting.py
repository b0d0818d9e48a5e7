import pytest

from tests.scorer.criteria.conftest import Evaluate

FULL_GREETINGS = [
    ("en", "Good afternoon and welcome, you're talking to Priya today, what can I do for you?"),
    ("ru", "Добрый день! Меня зовут Ольга. Чем я могу вам помочь?"),
    ("ar", "مساء الخير، معك أحمد، كيف يمكنني مساعدتك اليوم؟"),
    ("fa", "سلام، وقتتون بخیر، من سارا هستم، چطور میتونم کمکتون کنم؟"),
    ("ms", "Selamat petang, saya Aisyah di sini. Apa yang boleh saya bantu hari ini?"),
    ("uz", "Assalomu alaykum, mening ismim Dilnoza. Sizga qanday yordam bera olaman?"),
    ("mn", "Сайн байна уу, намайг Болд гэдэг. Танд юугаар туслах вэ?"),
]


@pytest.mark.parametrize(("language", "opening"), FULL_GREETINGS)
def test_full_greeting_found_in_each_language(evaluate: Evaluate, language: str,
                                              opening: str) -> None:
    result = evaluate("greeting", [("agent", opening), ("customer", "..."),
                                   ("agent", "..."), ("agent", "...")])
    assert result.score == 1.0, result.details
    assert result.passed
    assert {e.formula.split(":")[0] for e in result.evidence if e.formula} == {
        "greeting.salutation", "greeting.self_identification", "greeting.offer_of_help"}
    for evidence in result.evidence:
        assert opening[evidence.start:evidence.end] == evidence.text


def test_missing_elements_are_named_and_lower_the_score(evaluate: Evaluate) -> None:
    result = evaluate("greeting", [("agent", "Yeah, what is it?"),
                                   ("customer", "My card was blocked."),
                                   ("agent", "Give me the number."),
                                   ("agent", "Done, bye.")])
    assert result.score == 0.0
    assert not result.passed
    assert result.details["missing"] == ["salutation", "self_identification", "offer_of_help"]


def test_greeting_split_over_several_agent_turns_and_asr_errors(evaluate: Evaluate) -> None:
    # Harper Valley style: the opening arrives as three short ASR segments with errors.
    result = evaluate("greeting", [("agent", "hello thank you for calling harper valley bank"),
                                   ("agent", "my name is elizabeth"),
                                   ("agent", "how can i hep you todey"),
                                   ("customer", "hi i lost my card"),
                                   ("agent", "sure"), ("agent", "ok"), ("agent", "bye")],
                      company="Harper Valley Bank")
    assert result.score == 1.0, result.details


def test_only_the_opening_turns_count(evaluate: Evaluate) -> None:
    late = [("agent", "Yes?"), ("customer", "hi"), ("agent", "ok"), ("customer", "so"),
            ("agent", "fine"), ("agent", "right"), ("agent", "Hello, my name is Tom, how can I "
                                                           "help you?")]
    result = evaluate("greeting", late, params={"opening_turns": 2})
    assert result.score == 0.0


def test_known_agent_name_is_required_in_self_identification(evaluate: Evaluate) -> None:
    turns = [("agent", "Hello, this is Maria, how may I help you?"), ("customer", "hi"),
             ("agent", "bye")]
    assert evaluate("greeting", turns, agent_name="Maria").score == 1.0
    wrong = evaluate("greeting", turns, agent_name="Jonathan")
    assert "self_identification" in wrong.details["missing"]


def test_not_applicable_without_agent_turns(evaluate: Evaluate) -> None:
    result = evaluate("greeting", [("customer", "hello?"), ("bot", "Hi, I am a bot.")])
    assert not result.applicable
    assert result.score is None and result.passed is None
