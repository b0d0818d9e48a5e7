"""Files kept by content hash: uploads and call audio, under the configured files folder as
`<aa>/<sha256><suffix>`. Writing is atomic (a temporary file renamed into place), so a file
that is there is whole."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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
