import csv

import pytest

from corpora.loaders.empathic_reactions import load_empathic_reactions
from corpora.paths import corpus_dir
from scorer.errors import ReadError

SOURCE = corpus_dir("empathic_reactions_buechel2018") / "messages.csv"


def test_essays_with_empathy_and_distress_ratings():
    corpus = load_empathic_reactions()
    with SOURCE.open(newline="", encoding="utf-8") as f:
        assert len(corpus) == len(list(csv.DictReader(f)))
    assert 1500 <= len(corpus) <= 1860  # SOURCES.md: 1,860 essays
    assert corpus.licence == "ship"
    assert all(1 <= e.empathy <= 7 and 1 <= e.distress <= 7 for e in corpus)
    # The binary columns split each scale at 4.
    assert all(e.empathy_bin == int(e.empathy >= 4) for e in corpus)
    assert all(e.distress_bin == int(e.distress >= 4) for e in corpus)
    writers = {e.response_id for e in corpus}
    assert len(writers) < len(corpus)  # several essays per writer: group CV by response_id
    assert all(len(e.essay.split()) > 10 for e in corpus)


def test_a_bad_rating_names_file_and_line(tmp_path):
    rows = list(csv.reader(SOURCE.open(newline="", encoding="utf-8")))[:6]
    rows[3][3] = "very"
    copy = tmp_path / "messages.csv"
    with copy.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(ReadError, match="'empathy'") as error:
        load_empathic_reactions(copy)
    assert error.value.location == f"{copy}:4"
