import pytest

from tests.scorer.criteria.conftest import Evaluate

UPSET = [
    ("en", "I've been waiting three weeks and nobody calls me back, this is absurd!",
     "I'm really sorry about the wait, I understand how annoying that is."),
    ("ru", "Это просто безобразие, я жду уже неделю!",
     "Приношу свои извинения за ожидание, я понимаю ваше недовольство."),
    ("ar", "هذا غير مقبول أبداً، أنتظر منذ أسبوع!", "أعتذر منك على هذا التأخير، أتفهم انزعاجك."),
    ("ms", "Saya sangat kecewa, sudah seminggu saya tunggu!",
     "Saya mohon maaf atas kesulitan ini, saya faham perasaan encik."),
]


@pytest.mark.parametrize(("language", "complaint", "reply"), UPSET)
def test_upset_customer_answered_with_empathy(evaluate: Evaluate, language: str,
                                              complaint: str, reply: str) -> None:
    result = evaluate("empathy", [("agent", "..."), ("customer", complaint), ("agent", reply)])
    assert result.applicable
    assert result.score == 1.0, result.details
    assert [e.turn for e in result.evidence] == [1, 2]


@pytest.mark.parametrize(("language", "complaint", "reply"), UPSET)
def test_upset_customer_ignored(evaluate: Evaluate, language: str, complaint: str,
                                reply: str) -> None:
    result = evaluate("empathy", [("customer", complaint), ("agent", "Order number?"),
                                  ("customer", "123"), ("agent", "Ok.")])
    assert result.score == 0.0
    assert not result.passed


def test_english_distress_found_by_sentiment_alone(evaluate: Evaluate) -> None:
    result = evaluate("empathy", [("customer", "The app crashed again and I lost all my work, "
                                               "I hate this so much, it is a nightmare."),
                                  ("agent", "Okay.")])
    assert result.applicable
    assert "VADER" in (result.evidence[0].note or "")


def test_calm_customer_is_not_applicable(evaluate: Evaluate) -> None:
    result = evaluate("empathy", [("customer", "Hi, I'd like to update my address please."),
                                  ("agent", "Sure, what's the new address?")])
    assert not result.applicable
