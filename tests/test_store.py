"""The blob store, on local disk and on a real S3-protocol server: same tests for both."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gavah.errors import StoreError
from gavah.store import CHUNK_SIZE, BlobStore, damaged_ranges, open_store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield open_store(str(tmp_path / "blobs"), staging_dir=tmp_path / "staging")
        return
    server = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    yield open_store(
        f"s3://{bucket}/p",
        staging_dir=tmp_path / "staging",
        endpoint_url=server["endpoint_url"],
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
    )


def put(store: BlobStore, data: bytes) -> tuple[str, bool]:
    staged = store.stage(io.BytesIO(data))
    return staged.info.sha256, store.commit(staged)


def test_content_addressed_write_once_and_deduplicated(store: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 17)
    sha, new = put(store, data)
    assert sha == hashlib.sha256(data).hexdigest() and new
    assert put(store, data) == (sha, False)
    assert list(store.addresses()) == [sha]
    with store.open(sha) as f:
        assert f.read() == data
    info = store.check(sha)
    assert (info.sha256, info.size, len(info.chunk_digests)) == (sha, len(data), 4 * 32)
    assert not list(store.staging_dir.glob("*/staging-*"))


def test_missing_blob_is_a_clear_error(store: BlobStore) -> None:
    with pytest.raises(StoreError, match="missing"):
        store.open("0" * 64)
    assert not store.exists("0" * 64)


def test_addresses_must_be_sha256(store: BlobStore) -> None:
    with pytest.raises(StoreError, match="not a SHA-256"):
        store.open("../../etc/passwd")


def test_staging_is_cleaned_when_reading_fails(store: BlobStore) -> None:
    class Broken(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(OSError):
        store.stage(Broken())  # type: ignore[arg-type]
    assert not list(store.staging_dir.glob("*/staging-*"))


def test_staging_of_dead_processes_is_removed_and_of_live_ones_kept(
    store: BlobStore, tmp_path: Path
) -> None:
    killed = store.staging_dir / "12345-killed"
    killed.mkdir(parents=True)
    (killed / ".lock").write_bytes(b"")
    (killed / "staging-x").write_bytes(b"half a file")
    other = type(store).__new__(type(store))
    BlobStore.__init__(other, store.staging_dir)  # another live process's store, same folder
    live = other.stage(io.BytesIO(b"being written by a live ingest"))
    assert store.clean_staging() == 1
    assert not killed.exists() and live.path.exists()
    other.discard(live)


def test_damaged_ranges_name_the_changed_chunks() -> None:
    size = 5 * CHUNK_SIZE
    good = b"".join(bytes([i]) * 32 for i in range(5))
    bad = bytearray(good)
    bad[3 * 32] ^= 1
    assert damaged_ranges(good, bytes(bad), size) == [(3 * CHUNK_SIZE, 4 * CHUNK_SIZE)]
    assert damaged_ranges(good, good[: 4 * 32], size) == [(4 * CHUNK_SIZE, 5 * CHUNK_SIZE)]


def test_unknown_store_scheme_is_refused(tmp_path: Path) -> None:
    from gavah.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown blob store"):
        open_store("ftp://example/x", staging_dir=tmp_path)
