"""Every broken input gives a ReadError naming the file and where the problem is."""

import pytest

from scorer.errors import ReadError
from scorer.readers import ReaderOptions, read_file
from tests.scorer.readers.readers_paths import BROKEN, FIXTURES

CASES = [
    # file, options, (location suffix, words of the message)
    ("truncated.json", {}, ":3:24", "invalid JSON"),
    ("bad_line3.jsonl", {}, ":3:59", "invalid JSON"),
    ("wrong_role.jsonl", {}, ":2", "(id 'bad-2'): turns.0.role"),
    ("wrong_type.json", {}, "", "record 1 (id 'bad'): turns.0.start: Input should be a valid"),
    ("missing_column.csv", {}, ":1", "missing required column for 'text'"),
    ("unknown_role.csv", {}, ":4", "column 'sender': unknown role 'supervisor'"),
    ("bad_time.csv", {}, ":3", "column 'timestamp': cannot read time 'yesterday at noon'"),
    ("cp1251.csv", {}, ":3", "not valid UTF-8 text: byte 0xee at offset 39; pass the file's "
                             "encoding, e.g. --encoding cp1251"),
    ("cp1251.csv", {"encoding": "utf-16"}, ":3", "not valid utf-16 text"),
    ("bad_timestamp.srt", {}, ":6", "malformed cue timing '00:00:03,000 --> 00:00:0x,000'"),
    ("reversed_cue.srt", {}, ":2", "cue ends (2.0s) before it starts (5.0s)"),
    ("no_speaker.vtt", {}, ":3", "cue has no speaker"),
    ("unknown_voice.vtt", {}, ":3", "unknown voice 'Zorro'"),
    ("empty.txt", {}, "", "file is empty"),
    ("blank.jsonl", {}, "", "file is empty"),
    ("unknown_label.txt", {}, ":3", "unknown speaker label 'Supervisor'"),
    ("bad_header.txt", {}, ":2", "channel: Input should be 'call' or 'chat'"),
    ("stc3_wrong_type.json", {}, ": dialogue 0 (id 1), turn 1",
     "'utterances' must be a list of strings"),
    ("harper_unknown_role.json", {}, "", "segment 1: role 'supervisor' is not one of"),
    ("notes.xyz", {}, "", "unsupported file type '.xyz'"),
    ("missing.json", {}, "", "no such file"),
]


@pytest.mark.parametrize(("name", "options", "where", "message"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_error_names_file_and_place(name, options, where, message):
    path = BROKEN / name
    with pytest.raises(ReadError) as caught:
        read_file(path, ReaderOptions(**options))
    assert caught.value.location == f"{path}{where}"
    assert message in caught.value.message


def test_oversized_file_names_size_and_limit():
    path = FIXTURES / "iqs_single.json"
    with pytest.raises(ReadError) as caught:
        read_file(path, ReaderOptions(max_bytes=100))
    size = path.stat().st_size
    assert caught.value.location == str(path)
    assert f"file is {size:,} bytes, over the limit of 100 bytes" in caught.value.message
