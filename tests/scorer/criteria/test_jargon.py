from collections.abc import Iterator

import pytest

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


# A research word-complexity model, trained here on a slice of CWI 2018 (evaluation-licensed,
# so never shipped) with word features only, the same way `iqs train jargon` does.
CWI_ROWS = 1500


@pytest.fixture(scope="module")
def jargon_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from corpora.loaders.cwi2018 import load_cwi
    from corpora.paths import corpus_dir
    from models.registry import TrainingData, examples_sha256, save_model
    from training.tasks.jargon import JargonTask, cwi_set

    folder = tmp_path_factory.mktemp("jargon")
    source = corpus_dir("cwi2018") / "english" / "News_Train.tsv"
    subset = folder / "News_Train.tsv"
    subset.write_text("".join(source.read_text(encoding="utf-8").splitlines(keepends=True)
                              [:CWI_ROWS]), encoding="utf-8")
    corpus = load_cwi(path=subset)
    data = cwi_set("cwi2018/News/train", list(corpus), corpus.sources, corpus.licence)
    estimator = JargonTask().estimator("minilm").set_params(embedding=False, cv=3)
    estimator.fit(data.inputs, data.labels)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IQS_MODELS_DIR", str(folder / "models"))
        save_model(estimator, name="jargon-test-research", task="jargon", encoder="minilm",
                   encoder_model_id=estimator.encoder_model_id_,
                   labels=list(estimator.classes_), serves_languages=["en"],
                   training=TrainingData(
                       corpora=["cwi2018"], files=[str(subset)],
                       sha256=examples_sha256(data.inputs, data.labels),
                       n_examples=len(data.labels), licence=data.licence))
        yield "jargon-test-research"


def test_a_word_complexity_model_flags_words_with_its_probability(
        evaluate: Evaluate, jargon_model: str) -> None:
    text = ("Your SKU shows a discrepancy; the reconciliation of the disbursement is pending. "
            "I will call you back tomorrow.")
    params = {"model": jargon_model, "model_threshold": 0.5}
    result = evaluate("jargon", [("customer", "Where is my refund?"), ("agent", text)],
                      params=params)
    assert result.details["model"] == f"{jargon_model} v1"
    flagged = {e.text: e for e in result.evidence if e.note and "complex word" in e.note}
    assert {"discrepancy", "reconciliation", "disbursement"} <= set(flagged), result.evidence
    for word, evidence in flagged.items():
        assert evidence.note is not None and jargon_model in evidence.note
        assert evidence.similarity is not None and evidence.similarity >= 0.5
        assert text[evidence.start:evidence.end] == word
    assert not {"call", "back", "tomorrow", "pending"} & set(flagged)
    # The acronym rule still applies beside the model.
    assert "acronym: SKU" in result.details["terms"]
    assert result.score is not None and result.score < 0.5


def test_the_model_threshold_decides_and_plain_text_stays_clean(
        evaluate: Evaluate, jargon_model: str) -> None:
    plain = evaluate("jargon", [("agent", "Your parcel will arrive on Monday morning.")],
                     params={"model": jargon_model})
    assert plain.score == 1.0, plain.details
    text = [("agent", "The reconciliation of the disbursement is pending.")]
    strict = evaluate("jargon", text, params={"model": jargon_model, "model_threshold": 1.0})
    loose = evaluate("jargon", text, params={"model": jargon_model, "model_threshold": 0.3})
    assert strict.evidence == [] and strict.score == 1.0
    assert len(loose.evidence) >= 1


def test_no_model_is_the_lexical_rule(evaluate: Evaluate) -> None:
    result = evaluate("jargon", [("agent", "The chargeback needs reconciliation.")],
                      params={"model": None})
    assert "model" not in result.details
    assert result.details["terms"] == ["rare_word: chargeback"]


def test_languages_the_model_does_not_serve_keep_the_lexical_rule(
        evaluate: Evaluate, jargon_model: str) -> None:
    result = evaluate("jargon", [("agent", "Здравствуйте, ваш заказ уже в пути.")],
                      params={"model": jargon_model}, language="ru")
    assert result.details["model_not_used_for"] == ["ru"]
    assert not any("complex word" in (e.note or "") for e in result.evidence)
