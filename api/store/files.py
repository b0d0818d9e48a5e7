"""Files kept by content hash: uploads and call audio, under the configured files folder as
`<aa>/<sha256><suffix>`. Writing is atomic (a temporary file renamed into place), so a file
that is there is whole.

An upload is kept only until its conversations are stored (redacted); then it is deleted, or
kept encrypted (`<aa>/<sha256><suffix>.enc`: Fernet tokens of 1 MiB blocks, one per line, so
that a long recording is encrypted and decrypted without holding it whole)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.fernet import Fernet, InvalidToken

from scorer.errors import ReadError

CHUNK = 1024 * 1024


class TooLarge(ReadError):
    """A file over the upload limit."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    name: str
    """As the user named it (a relative path for files of a folder)."""
    size: int
    path: str
    """Relative to the files folder."""


def safe_name(name: str) -> str:
    """A relative POSIX path with no `..`, root or empty parts (names come from clients)."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts
             if p not in ("", ".", "..", "/")]
    if not parts:
        raise ReadError("a file name is required", location=name or "(no name)")
    return "/".join(parts)


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, chunks: Iterable[bytes], name: str, limit: int) -> StoredFile:
        """Store the bytes of `chunks`; TooLarge past `limit` bytes (nothing is kept then)."""
        name = safe_name(name)
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"file is over the upload limit of {limit:,} bytes",
                                       location=name)
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            relative = f"{sha[:2]}/{sha}{PurePosixPath(name).suffix.lower()}"
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(temporary)
            else:
                os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return StoredFile(sha, name, size, relative)

    def put_path(self, path: Path, name: str, limit: int) -> StoredFile:
        with path.open("rb") as handle:
            return self.put(iter(lambda: handle.read(CHUNK), b""), name, limit)

    def path(self, relative: str) -> Path:
        return self.root / relative

    def encrypt(self, relative: str, key: bytes) -> str:
        """Replace the plain file by its encrypted copy; the copy's relative path. Idempotent:
        a file already encrypted (an interrupted earlier call) is only tidied up."""
        encrypted = f"{relative}.enc"
        source, target = self.path(relative), self.path(encrypted)
        if source.exists():
            fernet = Fernet(key)
            self._write_atomically(target, (fernet.encrypt(block) + b"\n" for block in
                                            _blocks(source)))
            source.unlink()
        elif not target.exists():
            raise ReadError("the file to encrypt is missing", location=relative)
        return encrypted

    def decrypt(self, relative: str, key: bytes) -> Iterator[bytes]:
        """The plain bytes of an encrypted file, block by block."""
        fernet = Fernet(key)
        with self.path(relative).open("rb") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    yield fernet.decrypt(line.rstrip(b"\n"))
                except InvalidToken as exc:
                    raise ReadError(f"block {number} does not decrypt with this key (another "
                                    "IQS_ORIGINALS_KEY, or a damaged file)",
                                    location=relative) from exc

    def delete(self, relative: str) -> None:
        self.path(relative).unlink(missing_ok=True)

    def _write_atomically(self, target: Path, chunks: Iterable[bytes]) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".write-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(CHUNK), b"")
