import re
from pathlib import Path

import pytest

from corpora.loaders import (
    convokit_politeness,
    cwi2018,
    empathic_reactions,
    empathy_epitome,
    stanford_politeness,
    stc3,
    swda,
    tydip,
)
from corpora.loaders.base import Corpus, read_csv_records, resolve_sources
from corpora.paths import shared_dir
from scorer.errors import ConfigError, ReadError

LOADER_MODULES = (stanford_politeness, tydip, swda, cwi2018, empathy_epitome,
                  empathic_reactions, stc3, convokit_politeness)


def sources_table() -> dict[str, str]:
    """folder → use (ship/eval) from the table in SOURCES.md."""
    text = (shared_dir() / "corpora" / "SOURCES.md").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        # Only the first and last cells: a description may hold a backquoted `a|b`.
        if len(cells) >= 6 and cells[-1] in ("ship", "eval"):
            table[cells[0].rstrip("/")] = cells[-1]
    return table


@pytest.mark.parametrize("module", LOADER_MODULES, ids=lambda m: m.CORPUS)
def test_licence_class_matches_sources_md(module):
    assert sources_table()[module.CORPUS] == module.LICENCE


def test_eval_corpus_refuses_to_train_a_shipped_model():
    corpus = Corpus("swda", "eval", (Path("x"),), ("a",))
    with pytest.raises(ConfigError, match="evaluation only"):
        corpus.require_shippable()
    Corpus("stc3_dch1", "ship", (Path("x"),), ("a",)).require_shippable()


def test_where_keeps_name_licence_and_sources():
    corpus = Corpus("c", "ship", (Path("x"),), (1, 2, 3, 4))
    evens = corpus.where(lambda n: n % 2 == 0)
    assert list(evens) == [2, 4] and evens.licence == "ship" and evens.sources == corpus.sources


def test_records_report_the_first_line_of_a_bad_record(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,4,5\n', encoding="utf-8")
    with pytest.raises(ReadError) as error:
        list(read_csv_records(path, ("a", "b")))
    assert error.value.location == f"{path}:4"
    assert "3 fields, expected 2" in error.value.message


def test_missing_column_names_the_header_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,c\n1,2\n", encoding="utf-8")
    with pytest.raises(ReadError, match=re.escape(f"{path}:1")):
        list(read_csv_records(path, ("a", "b")))


def test_bad_utf8_names_the_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(ReadError, match=re.escape(f"{path}:3")):
        list(read_csv_records(path, ("a", "b")))


def test_missing_path_and_empty_folder_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        resolve_sources(tmp_path / "absent.csv", "swda", "*.txt")
    with pytest.raises(ConfigError, match="no files matching"):
        resolve_sources(tmp_path, "swda", "*.txt")
