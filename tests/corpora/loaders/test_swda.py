from collections import Counter

import pytest

from corpora.loaders.swda import OTHER, TAGS_OF_INTEREST, conversations, load_swda, split_of
from corpora.paths import corpus_dir
from scorer.errors import ReadError

TRAIN_DIR = corpus_dir("swda") / "train"


@pytest.fixture(scope="module")
def corpus():
    return load_swda()


def test_every_conversation_and_utterance_is_read(corpus):
    files = sorted(TRAIN_DIR.glob("*.txt"))
    lines = sum(1 for f in files for line in f.read_text(encoding="utf-8").splitlines()
                if line.strip())
    assert len(corpus.sources) == len(files)
    assert 0.8 * 1115 <= len(files) <= 1115  # SOURCES.md: 1,115 conversations
    assert len(corpus) == lines
    assert corpus.licence == "eval"


def test_labels_are_the_tags_of_interest_or_other(corpus):
    labels = Counter(u.label for u in corpus)
    assert set(labels) == {*TAGS_OF_INTEREST, OTHER}
    assert labels[OTHER] / len(corpus) > 0.9
    # SOURCES.md: openings are about 0.11% and closings 1.3% of utterances.
    assert 0.0005 < labels["fp"] / len(corpus) < 0.002
    assert 0.008 < labels["fc"] / len(corpus) < 0.02
    assert all(u.label == u.tag for u in corpus if u.label != OTHER)
    thanks = [u.text.lower() for u in corpus if u.label == "ft"]
    assert sum("thank" in t for t in thanks) / len(thanks) > 0.8


def test_utterances_are_numbered_within_their_conversation(corpus):
    for conversation_id, utterances in conversations(corpus).items():
        assert [u.index for u in utterances] == list(range(len(utterances)))
        assert {u.speaker for u in utterances} <= {"A", "B"}
        assert len({u.split for u in utterances}) == 1, conversation_id


def test_heldout_is_a_stable_fifth_of_the_conversations(corpus):
    ids = sorted({u.conversation_id for u in corpus})
    heldout = [i for i in ids if split_of(i) == "heldout"]
    assert 0.15 < len(heldout) / len(ids) < 0.25
    assert heldout == [i for i in ids if split_of(i) == "heldout"]
    tags_in_heldout = Counter(u.label for u in corpus if u.split == "heldout")
    assert all(tags_in_heldout[tag] > 0 for tag in TAGS_OF_INTEREST)


def test_a_line_without_tag_names_file_and_line(tmp_path):
    source = TRAIN_DIR / "4147.txt"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)[:12]
    lines[9] = "A|no tag here\n"
    copy = tmp_path / "4147.txt"
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReadError, match="speaker\\|text\\|tag") as error:
        load_swda(copy)
    assert error.value.location == f"{copy}:10"


def test_a_single_conversation_file_reads_by_path():
    corpus = load_swda(TRAIN_DIR / "4147.txt")
    assert {u.conversation_id for u in corpus} == {"4147"}
    assert corpus[0].text == "Do you have any?" and corpus[0].tag == "qy"
