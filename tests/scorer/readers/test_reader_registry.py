import pytest

from scorer.conversation import Conversation, Role, Turn
from scorer.errors import ConfigError
from scorer.readers import READERS, ReaderOptions, Source, read_file, read_paths, register_reader
from scorer.readers.registry import reader_for
from tests.scorer.readers.readers_paths import FIXTURES


@pytest.mark.parametrize(("name", "reader"), [
    ("iqs_single.json", "iqs_json"),
    ("iqs_lines.jsonl", "iqs_jsonl"),
    ("harper_valley_original.json", "harper_valley"),
    ("chat_export.csv", "csv"),
    ("transcript_en.txt", "plaintext"),
    ("call_as_text.txt", "srt"),
    ("call.vtt", "webvtt"),
])
def test_detection_by_extension_and_content(name, reader):
    assert reader_for(Source(FIXTURES / name, ReaderOptions())).name == reader


def test_new_format_is_one_registered_function(tmp_path):
    @register_reader("one_line_test", extensions=(".oneline",))
    def read_one_line(source: Source) -> list[Conversation]:
        return [Conversation(id=source.path.stem,
                             turns=[Turn(role=Role.AGENT, text=source.text.strip())])]

    try:
        path = tmp_path / "x.oneline"
        path.write_text("Hello there\n", encoding="utf-8")
        assert read_file(path)[0].turns[0].text == "Hello there"
        with pytest.raises(ValueError, match="already registered"):
            register_reader("one_line_test", extensions=(".x",))(read_one_line)
    finally:
        del READERS["one_line_test"]


def test_unknown_forced_format_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown input format 'docx'"):
        read_paths([FIXTURES], ReaderOptions(format="docx"))
