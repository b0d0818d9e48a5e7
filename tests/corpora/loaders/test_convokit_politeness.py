import pytest

from corpora.loaders.convokit_politeness import load_politeness_lexicon
from corpora.paths import corpus_dir
from scorer.errors import ReadError


def test_english_lexicon():
    lexicon = load_politeness_lexicon("en")
    assert lexicon.licence == "ship"
    assert "please" in lexicon.markers["non_starter"]["Please"]
    assert "could you" in lexicon.markers["ngram"]["Subjunctive"]
    assert {"Gratitude", "Apology", "Hedges"} <= lexicon.strategies()
    assert set(lexicon.modes.values()) == {"token", "segment"}


def test_chinese_lexicon():
    lexicon = load_politeness_lexicon("zh")
    assert "对不起" in lexicon.markers["ngram"]["apologetic"]
    assert lexicon.markers["starter"]["start_please"] == ("请",)
    assert lexicon.modes == {}


def test_broken_marker_file_names_the_line(tmp_path):
    source = corpus_dir("lexicons/convokit_politeness") / "politeness_local"
    for file in source.glob("*.json"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "starter_markers.json").write_text('{"Please.Start":\n ["please",]}',
                                                   encoding="utf-8")
    with pytest.raises(ReadError, match="not valid JSON") as error:
        load_politeness_lexicon(path=tmp_path)
    assert error.value.location == f"{tmp_path / 'starter_markers.json'}:2"
