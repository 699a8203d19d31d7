"""The storage interface every backend answers, its errors and the name rules."""
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol

AREAS = ("attachments", "avatars")
# Names Halo generates: hex or URL-safe tokens with an extension. Nothing else is accepted,
# so no name can climb out of its area on disk or in a bucket.
NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$")


class StorageError(Exception):
    """The storage backend failed or was misconfigured; the message says how."""


class FileMissing(StorageError):
    """No file of that name in that area (on this host, for local storage)."""


@dataclass
class StoredFile:
    """A stored file opened for reading: a local path, or a stream with its size."""
    name: str
    size: int
    path: str | None = None
    stream: BinaryIO | None = None

    def read(self) -> bytes:
        """The whole content (small files; serve large ones through path or stream)."""
        if self.path:
            with open(self.path, "rb") as f:
                return f.read()
        try:
            return self.stream.read()
        finally:
            self.stream.close()

    def close(self) -> None:
        """Release the stream when it will not be read."""
        if self.stream is not None:
            self.stream.close()


class Storage(Protocol):
    """What every backend answers. `area` is one of AREAS; `name` matches NAME."""

    kind: str

    def save(self, area: str, name: str, data: bytes) -> None:
        """Write a new file durably; it becomes visible whole or not at all."""

    def open(self, area: str, name: str) -> StoredFile:
        """The file for reading, or FileMissing."""

    def exists(self, area: str, name: str) -> bool:
        """Whether the file is stored."""

    def delete(self, area: str, name: str) -> None:
        """Remove the file; no error when it is already gone."""

    def list(self, area: str) -> Iterator[tuple[str, int]]:
        """Every stored (name, size) of the area, in no particular order."""

    def describe(self) -> dict:
        """Where files live, for logs and backup manifests (never a credential)."""


def check(area: str, name: str) -> None:
    """Refuse an unknown area or a name Halo would never have generated."""
    if area not in AREAS:
        raise StorageError(f"Unknown storage area {area!r}.")
    if not isinstance(name, str) or not NAME.match(name):
        raise FileMissing(f"No stored file is called {name!r}.")
