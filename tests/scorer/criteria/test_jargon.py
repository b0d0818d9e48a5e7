from tests.scorer.criteria.conftest import Evaluate


def test_glossary_acronyms_and_rare_words_are_evidence(evaluate: Evaluate) -> None:
    text = "Your SKU is stuck in the OMS queue; the chargeback needs reconciliation."
    result = evaluate("jargon", [("customer", "Where is my refund?"), ("agent", text)],
                      params={"glossary": ["OMS queue"]})
    found = {e.text for e in result.evidence}
    assert {"SKU", "OMS queue", "chargeback"} <= found
    assert result.score == 0.0
    kinds = " ".join(result.details["terms"])
    assert "glossary: OMS queue" in kinds and "acronym: SKU" in kinds


def test_plain_language_and_explained_terms_pass(evaluate: Evaluate) -> None:
    result = evaluate("jargon", [
        ("agent", "I've checked your Order Management System (OMS) record."),
        ("agent", "Your refund of 20 dollars will reach your card within five days, Mr Kowalski."),
    ])
    assert result.evidence == [], result.details
    assert result.score == 1.0


def test_typos_are_not_jargon(evaluate: Evaluate) -> None:
    result = evaluate("jargon", [("agent", "Is there anythin else I can hlep you with today?")])
    assert result.score == 1.0, result.details


def test_languages_without_word_frequencies_are_reported(evaluate: Evaluate) -> None:
    result = evaluate("jargon", [("agent", "Assalomu alaykum, sizga qanday yordam bera olaman?")],
                      language="uz")
    assert result.details["rare_words_not_measured"] == ["uz"]
    assert result.confidence < 0.85
