import shutil

from scorer.conversation import Channel
from scorer.readers import ReaderOptions, list_input_files, read_file, read_paths
from tests.scorer.readers.readers_paths import BROKEN, FIXTURES


def _folder(tmp_path):
    """A folder of good and bad files, a hidden file and an unrelated file type."""
    root = tmp_path / "inbox"
    (root / "nested").mkdir(parents=True)
    (root / ".cache").mkdir()
    shutil.copy(FIXTURES / "iqs_lines.jsonl", root / "a.jsonl")
    shutil.copy(FIXTURES / "chat_export.csv", root / "nested" / "b.csv")
    shutil.copy(BROKEN / "truncated.json", root / "c.json")
    shutil.copy(BROKEN / "unknown_role.csv", root / "nested" / "d.csv")
    shutil.copy(FIXTURES / "iqs_single.json", root / ".hidden.json")
    shutil.copy(FIXTURES / "iqs_single.json", root / ".cache" / "e.json")
    shutil.copy(BROKEN / "notes.xyz", root / "notes.xyz")
    return root


def test_folder_with_good_and_bad_files(tmp_path):
    root = _folder(tmp_path)
    seen = []
    batch = read_paths([root], on_file=seen.append)
    assert seen == [root / "a.jsonl", root / "c.json", root / "nested" / "b.csv",
                    root / "nested" / "d.csv"]
    assert [c.id for c in batch.conversations] == ["j-1", "j-2", "j-3", "T-100", "T-200"]
    assert [f.location for f in batch.failures] == [f"{root / 'c.json'}:3:24",
                                                     f"{root / 'nested' / 'd.csv'}:4"]


def test_given_files_are_read_whatever_their_type(tmp_path):
    root = _folder(tmp_path)
    files = [root / "notes.xyz", root / ".hidden.json", tmp_path / "gone.csv"]
    assert list_input_files(files) == files
    batch = read_paths(files)
    assert [c.id for c in batch.conversations] == ["chat-001"]
    assert len(batch.failures) == 2


def test_overrides_apply_to_every_conversation():
    options = ReaderOptions(channel=Channel.CALL, language="ru")
    conversations = read_file(FIXTURES / "iqs_lines.jsonl", options)
    assert {(c.channel, c.language) for c in conversations} == {(Channel.CALL, "ru")}
