"""Blobs in an S3 bucket: ``s3://bucket/prefix/sha256/ab/cd/abcd...``.

Staging happens on local disk (bounded memory, hashed on the way), then one upload to the
content address. An S3 PUT is atomic, and write-once is kept by checking for the key first: a
racing writer of the same address can only write the same bytes, since the key is their hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from gavah.errors import ConfigError, StoreError
from gavah.store import BlobStore, Staged, is_sha256

_TRANSFER = TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=16 << 20)


class S3Store(BlobStore):
    def __init__(self, client: Any, bucket: str, prefix: str, *, staging_dir: Path) -> None:
        super().__init__(staging_dir)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        staging_dir: Path,
        endpoint_url: str | None,
        region: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
    ) -> S3Store:
        parsed = urlparse(url)
        if not parsed.netloc:
            raise ConfigError(f"S3 store {url!r} names no bucket", hint="use s3://bucket/prefix")
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
        )
        return cls(client, parsed.netloc, parsed.path, staging_dir=staging_dir)

    def key_of(self, sha256: str) -> str:
        if not is_sha256(sha256):
            raise StoreError(f"{sha256!r} is not a SHA-256 address")
        parts = [self.prefix] if self.prefix else []
        return "/".join([*parts, "sha256", sha256[:2], sha256[2:4], sha256])

    def commit(self, staged: Staged) -> bool:
        try:
            if self.exists(staged.info.sha256):
                return False
            self.client.upload_file(
                str(staged.path),
                self.bucket,
                self.key_of(staged.info.sha256),
                Config=_TRANSFER,
                ExtraArgs={"ContentType": "application/octet-stream"},
            )
            return True
        except (BotoCoreError, ClientError) as exc:
            raise StoreError(f"cannot upload blob {staged.info.sha256} to S3: {exc}") from None
        finally:
            staged.path.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise StoreError(f"cannot reach S3 bucket {self.bucket}: {exc}") from None
        except BotoCoreError as exc:
            raise StoreError(f"cannot reach S3 bucket {self.bucket}: {exc}") from None
        return True

    def open(self, sha256: str) -> BinaryIO:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                raise StoreError(f"blob {sha256} is missing from {self.describe()}") from None
            raise StoreError(f"cannot read blob {sha256} from S3: {exc}") from None
        except BotoCoreError as exc:
            raise StoreError(f"cannot read blob {sha256} from S3: {exc}") from None
        return cast(BinaryIO, obj["Body"])

    def addresses(self) -> Iterator[str]:
        root = self.key_of("0" * 64).rsplit("/", 3)[0] + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=root):
            for item in page.get("Contents", []):
                yield item["Key"].rsplit("/", 1)[-1]

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"
