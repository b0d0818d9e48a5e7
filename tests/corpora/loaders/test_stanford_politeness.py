import csv

import pytest

from corpora.loaders.stanford_politeness import binary_requests, load_stanford_politeness
from corpora.paths import corpus_dir
from scorer.errors import ReadError

PUBLISHED_SIZES = {"wikipedia": 4353, "stack-exchange": 6603}  # SOURCES.md, before held-back rows


@pytest.fixture(scope="module")
def corpus():
    return load_stanford_politeness()


def test_every_request_of_both_files_is_read(corpus):
    for domain, file in (("wikipedia", "wikipedia.annotated.csv"),
                         ("stack-exchange", "stack-exchange.annotated.csv")):
        with (corpus_dir("stanford_politeness") / file).open(newline="", encoding="utf-8") as f:
            rows = len(list(csv.DictReader(f)))
        read = sum(1 for r in corpus if r.domain == domain)
        assert read == rows
        assert 0.8 * PUBLISHED_SIZES[domain] <= read <= PUBLISHED_SIZES[domain]
    assert corpus.licence == "ship"


@pytest.mark.parametrize("domain", ["wikipedia", "stack-exchange"])
def test_binary_task_is_the_top_and_bottom_quartile_of_each_domain(corpus, domain):
    requests = [r for r in corpus if r.domain == domain]
    binary = binary_requests(corpus, domain)
    polite = [r for r in binary if r.label == 1]
    impolite = [r for r in binary if r.label == 0]
    assert abs(len(polite) - len(requests) / 4) <= 1
    assert abs(len(impolite) - len(requests) / 4) <= 1
    assert min(r.normalized_score for r in polite) > max(r.normalized_score for r in impolite)
    # The raw ratings agree with the normalised score that defines the classes.
    mean_raw = {label: sum(sum(r.annotator_scores) for r in group) / len(group)
                for label, group in ((1, polite), (0, impolite))}
    assert mean_raw[1] > mean_raw[0] + 10
    assert all(len(r.annotator_scores) == 5 for r in binary)


def test_a_malformed_score_is_reported_by_file_and_line(tmp_path):
    source = corpus_dir("stanford_politeness") / "wikipedia.annotated.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)[:20]
    lines[5] = lines[5].rstrip("\n").rsplit(",", 1)[0] + ",not-a-score\n"
    copy = tmp_path / "wikipedia.annotated.csv"
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReadError, match="Normalized Score") as error:
        load_stanford_politeness(copy)
    assert error.value.location == f"{copy}:6"


def test_a_user_file_is_eval_data_unless_declared(tmp_path):
    source = corpus_dir("stanford_politeness") / "wikipedia.annotated.csv"
    copy = tmp_path / "mine.annotated.csv"
    copy.write_text("".join(source.read_text(encoding="utf-8").splitlines(True)[:41]),
                    encoding="utf-8")
    assert load_stanford_politeness(copy).licence == "eval"
    assert load_stanford_politeness(copy, licence="ship").licence == "ship"
    assert len(load_stanford_politeness(tmp_path)) == 40
