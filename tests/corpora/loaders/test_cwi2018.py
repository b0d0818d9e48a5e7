import pytest

from corpora.loaders.cwi2018 import load_cwi
from corpora.paths import corpus_dir
from scorer.errors import ReadError

# README.md: instances per language before any rows were held back.
PUBLISHED = {("en", "train"): 27299, ("en", "dev"): 3328, ("es", "train"): 13750,
             ("es", "dev"): 1622, ("de", "train"): 6151, ("de", "dev"): 795}


@pytest.fixture(scope="module")
def corpus():
    return load_cwi()


def test_every_file_is_read_with_language_dataset_and_split(corpus):
    for source in corpus.sources:
        lines = sum(1 for line in source.read_text(encoding="utf-8").splitlines() if line)
        assert sum(1 for t in corpus if t.source.startswith(f"{source}:")) == lines
    for (language, split), published in PUBLISHED.items():
        read = sum(1 for t in corpus if t.language == language and t.split == split)
        assert 0.8 * published <= read <= published, (language, split)
    assert {t.dataset for t in corpus if t.language == "en"} == {"News", "WikiNews", "Wikipedia"}
    assert corpus.licence == "eval"


def test_labels_agree_with_the_annotator_counts(corpus):
    for target in corpus:
        marked = target.native_marked + target.non_native_marked
        seen = target.native_seen + target.non_native_seen
        assert target.label == int(marked > 0)
        assert target.probability == pytest.approx(marked / seen, abs=0.01)
    complex_share = sum(t.label for t in corpus) / len(corpus)
    assert 0.3 < complex_share < 0.5


def test_offsets_point_at_the_target_almost_always(corpus):
    assert sum(t.offsets_match for t in corpus) / len(corpus) > 0.99
    assert any(t.is_phrase for t in corpus) and not all(t.is_phrase for t in corpus)


def test_dataset_and_split_select_one_file():
    news_dev = load_cwi("News", "dev")
    assert [p.name for p in news_dev.sources] == ["News_Dev.tsv"]
    assert {t.dataset for t in news_dev} == {"News"}
    german = load_cwi(path=corpus_dir("cwi2018") / "german" / "German_Dev.tsv")
    assert {t.language for t in german} == {"de"}
    with pytest.raises(ReadError, match="no CWI file"):
        load_cwi("Klingon")


def test_a_short_row_names_file_and_line(tmp_path):
    source = corpus_dir("cwi2018") / "english" / "News_Dev.tsv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)[:20]
    lines[13] = "\t".join(lines[13].split("\t")[:7]) + "\n"
    copy = tmp_path / "News_Test.tsv"
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReadError, match="7 tab-separated fields") as error:
        load_cwi(path=copy)
    assert error.value.location == f"{copy}:14"
