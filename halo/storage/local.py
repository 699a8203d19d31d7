"""Local directory storage: the default, for one host or a directory every host mounts."""
import os
import secrets
from typing import Iterator

from halo.storage.base import NAME, FileMissing, StoredFile, check


class LocalStorage:
    """Attachments under HALO_ATTACHMENT_DIR in two-character shards; avatars flat under
    HALO_AVATAR_DIR. Directories are read from the config at each call, so a changed
    setting (a test's temporary folder) takes effect at once."""

    kind = "local"

    def __init__(self, config):
        self.config = config

    def _dir(self, area: str) -> str:
        return self.config["HALO_ATTACHMENT_DIR" if area == "attachments" else "HALO_AVATAR_DIR"]

    def _path(self, area: str, name: str) -> str:
        check(area, name)
        if area == "attachments":  # thousands of files: spread over 4,096 folders
            return os.path.join(self._dir(area), name[:2], name)
        return os.path.join(self._dir(area), name)

    def save(self, area: str, name: str, data: bytes) -> None:
        """Write to a temporary file, sync, then rename: never a half-written file."""
        path = self._path(area, name)
        folder = os.path.dirname(path)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        temp = os.path.join(folder, f".tmp-{secrets.token_hex(8)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise

    def open(self, area: str, name: str) -> StoredFile:
        path = self._path(area, name)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            raise FileMissing(f"{area}/{name} is not in {self._dir(area)} on this host.") from None
        return StoredFile(name=name, size=size, path=path)

    def exists(self, area: str, name: str) -> bool:
        return os.path.isfile(self._path(area, name))

    def delete(self, area: str, name: str) -> None:
        try:
            os.unlink(self._path(area, name))
        except FileNotFoundError:
            pass

    def list(self, area: str) -> Iterator[tuple[str, int]]:
        check(area, "x")
        root = self._dir(area)
        for folder, _dirs, files in os.walk(root):
            for name in files:
                if not NAME.match(name) or name.startswith("."):  # a write in progress
                    continue
                try:
                    yield name, os.stat(os.path.join(folder, name)).st_size
                except FileNotFoundError:
                    continue

    def describe(self) -> dict:
        return {"backend": "local", "attachments": self._dir("attachments"),
                "avatars": self._dir("avatars")}
