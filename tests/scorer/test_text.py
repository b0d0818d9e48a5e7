import pytest

from scorer.text import normalize, tokenize


@pytest.mark.parametrize(("variant", "plain"), [
    ("Café", "cafe"),
    ("ЁЛКА", "елка"),
    ("شُكْرًا", "شكرا"),  # harakat dropped
    ("أهلاً", "اهلا"),  # alef forms folded
    ("مي\u200cخواهم", "میخواهم"),  # Arabic yeh and ZWNJ fold to the Persian written form
    ("کمک", "کمک"),
    ("كمك", "کمک"),  # Arabic kaf folds to Persian kaf
    ("oʻzbek", "ozbek"),
    ("o‘zbek", "ozbek"),
    ("o'zbek", "ozbek"),
])
def test_normalize_folds_spelling_variants(variant: str, plain: str) -> None:
    assert normalize(variant) == normalize(plain)


def test_tokens_keep_spans_into_the_original_text() -> None:
    text = "Hello, I'm Anna — Ассалому алейкум!"
    tokens = tokenize(text)
    assert [text[t.start:t.end] for t in tokens] == ["Hello", "I'm", "Anna", "Ассалому",
                                                     "алейкум"]
    assert tokens[1].norm == "im"
