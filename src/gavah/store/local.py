"""Blobs in a local folder: ``ROOT/sha256/ab/cd/abcd...``, read-only files, written once."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from gavah.errors import StoreError
from gavah.store import BlobStore, Staged, is_sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _private_dirs(root: Path, target: Path) -> None:
    """Make ``target`` and every folder between ``root`` and it 0700. (``Path.mkdir(parents=True,
    mode=...)`` gives the parents it makes the umask's mode, not ``mode``.)"""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root
    for part in target.relative_to(root).parts:
        folder = folder / part
        folder.mkdir(exist_ok=True, mode=0o700)


class LocalStore(BlobStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root / "staging")
        self.root = root
        self.objects = root / "sha256"

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise StoreError(f"{sha256!r} is not a SHA-256 address")
        return self.objects / sha256[:2] / sha256[2:4] / sha256

    def commit(self, staged: Staged) -> bool:
        target = self.path_of(staged.info.sha256)
        try:
            _private_dirs(self.root, target.parent)
            os.chmod(staged.path, 0o400)
            # link() refuses to replace an existing file: write-once even against a racing writer.
            os.link(staged.path, target)
        except FileExistsError:
            return False
        except OSError as exc:
            raise StoreError(f"cannot store blob {staged.info.sha256}: {exc}") from None
        finally:
            staged.path.unlink(missing_ok=True)
        _fsync_dir(target.parent)
        return True

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_of(sha256).open("rb")
        except FileNotFoundError:
            raise StoreError(f"blob {sha256} is missing from {self.root}") from None
        except OSError as exc:
            if exc.errno == errno.EACCES:
                raise StoreError(f"blob {sha256} is not readable: permission denied") from None
            raise StoreError(f"cannot read blob {sha256}: {exc}") from None

    def addresses(self) -> Iterator[str]:
        if self.objects.is_dir():
            for path in self.objects.glob("??/??/*"):
                yield path.name

    def describe(self) -> str:
        return str(self.root)
