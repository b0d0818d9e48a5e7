import csv
from collections import Counter

import pytest

from corpora.loaders.empathy_epitome import MECHANISMS, load_epitome
from corpora.paths import corpus_dir
from scorer.errors import ConfigError, ReadError

SOURCE = corpus_dir("empathy_epitome") / "emotional-reactions-reddit.csv"


@pytest.fixture(scope="module")
def corpus():
    return load_epitome()


def test_three_mechanisms_rate_the_same_pairs(corpus):
    with SOURCE.open(newline="", encoding="utf-8") as f:
        rows = len(list(csv.DictReader(f)))
    # Lists, not sets: the original files repeat a few (post, response) pairs.
    pairs = {m: [(e.seeker_id, e.response_id) for e in corpus if e.mechanism == m]
             for m in MECHANISMS}
    assert all(len(p) == rows for p in pairs.values())
    assert pairs["emotional_reactions"] == pairs["interpretations"] == pairs["explorations"]
    assert 2000 < rows <= 3084  # the paper's Reddit part has 3,084 pairs
    assert corpus.licence == "eval"


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_levels_and_rationales(corpus, mechanism):
    examples = [e for e in corpus if e.mechanism == mechanism]
    levels = Counter(e.level for e in examples)
    assert set(levels) == {0, 1, 2}
    assert levels[0] > levels[1]  # no empathy is the most common level for every mechanism
    rated = [e for e in examples if e.level > 0]
    assert sum(bool(e.rationales) for e in rated) / len(rated) > 0.9
    rationales = [(e, r) for e in rated for r in e.rationales]
    found = sum(len(e.rationale_spans()) for e in rated)
    assert found / len(rationales) > 0.9
    for example in rated[:50]:
        for start, end in example.rationale_spans():
            assert example.response_post[start:end] in example.rationales


def test_one_mechanism_by_name_or_by_file(corpus):
    assert len(load_epitome("explorations")) == len(corpus) // 3
    by_file = load_epitome(path=SOURCE)
    assert {e.mechanism for e in by_file} == {"emotional_reactions"}


def test_a_file_named_otherwise_needs_the_mechanism(tmp_path):
    copy = tmp_path / "my-ratings.csv"
    copy.write_text("".join(SOURCE.read_text(encoding="utf-8").splitlines(True)[:30]),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="pass the mechanism"):
        load_epitome(path=copy)
    assert {e.mechanism for e in load_epitome("interpretations", copy)} == {"interpretations"}


def test_a_bad_level_names_file_and_line(tmp_path):
    rows = list(csv.reader(SOURCE.open(newline="", encoding="utf-8")))[:10]
    rows[4][4] = "7"
    copy = tmp_path / "emotional-reactions-mine.csv"
    with copy.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    lines = copy.read_text(encoding="utf-8").splitlines()
    bad_line = next(i for i, line in enumerate(lines, 1) if line.startswith(rows[4][0] + ","))
    with pytest.raises(ReadError, match="'level'") as error:
        load_epitome(path=copy)
    assert error.value.location == f"{copy}:{bad_line}"
