import csv

import pytest

from corpora.loaders.tydip import STRATEGY_LANGUAGES, load_strategy_terms, load_tydip
from corpora.paths import corpus_dir
from scorer.errors import ConfigError, ReadError

BINARY_FILE = corpus_dir("tydip") / "data" / "binary" / "en_train_binary.csv"


def test_english_binary_train_file_is_read_whole_with_the_papers_labels():
    corpus = load_tydip()
    with BINARY_FILE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(corpus) == len(rows)
    assert corpus.licence == "ship"
    assert all(r.language == "en" for r in corpus)
    assert all(r.label == int(r.score > 0) for r in corpus)
    polite = sum(r.label for r in corpus) / len(corpus)
    assert 0.4 < polite < 0.6  # top and bottom quartiles: about half each
    # The binary file drops the middle half: no score sits near zero.
    assert min(abs(r.score) for r in corpus) > 0.1


def test_the_full_score_file_reads_by_path():
    full = load_tydip(corpus_dir("tydip") / "data" / "all" / "en_train.csv")
    assert len(full) > len(load_tydip())
    assert full.licence == "eval"  # given by path, not declared


@pytest.mark.parametrize("language", STRATEGY_LANGUAGES)
def test_strategy_lists_of_every_language(language):
    strategies = load_strategy_terms(language)
    assert {"Please", "HASHEDGE", "Deference", "Direct_question"} <= strategies.keys()
    terms = [t for terms in strategies.values() for t in terms]
    assert len(terms) > 1000
    assert sum(1 for t in terms if t.translations) > 100
    assert all(count > 0 for t in terms for _, count in t.translations)


def test_russian_please_is_pozhaluysta():
    please = load_strategy_terms("ru")["Please"][0]
    assert please.english == "please"
    assert please.translations[0][0] == "пожалуйста"


def test_unknown_strategy_language_is_a_config_error():
    with pytest.raises(ConfigError, match="known: af"):
        load_strategy_terms("xx")


def test_malformed_rows_name_the_line(tmp_path):
    copy = tmp_path / "en_train_binary.csv"
    lines = BINARY_FILE.read_text(encoding="utf-8").splitlines(keepends=True)[:10]
    lines[3] = '"Could you help?",high\n'
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReadError, match="'score'") as error:
        load_tydip(copy)
    assert error.value.location == f"{copy}:4"

    strategies = tmp_path / "ru.csv"
    source = corpus_dir("tydip") / "strategies" / "ru.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)[:8]
    lines[6] = 'think,"[(\'считаете\', 79), broken",True\n'
    strategies.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReadError, match="translations") as error:
        load_strategy_terms("ru", strategies)
    assert error.value.location == f"{strategies}:7"
