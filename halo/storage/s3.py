"""S3-compatible storage (AWS S3, MinIO, Ceph RGW, Garage...): one bucket every host shares.

Objects are `<HALO_S3_PREFIX><area>/<name>`. Credentials come from HALO_S3_ACCESS_KEY_ID /
HALO_S3_SECRET_ACCESS_KEY when set, otherwise from boto3's own chain (AWS_* variables,
~/.aws, an instance role).
"""
import threading
from typing import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from halo.storage.base import FileMissing, StorageError, StoredFile, check

MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    """Files as objects in HALO_S3_BUCKET; boto3's client is thread-safe and made once."""

    kind = "s3"

    def __init__(self, config):
        self.bucket = config.get("HALO_S3_BUCKET") or ""
        if not self.bucket:
            raise StorageError("HALO_STORAGE=s3 needs HALO_S3_BUCKET (the bucket's name).")
        self.prefix = config.get("HALO_S3_PREFIX") or ""
        self.endpoint = config.get("HALO_S3_ENDPOINT_URL") or None
        self.region = config.get("HALO_S3_REGION") or None
        # Self-hosted servers (MinIO and the like) rarely answer bucket.host names.
        style = config.get("HALO_S3_ADDRESSING_STYLE") or ("path" if self.endpoint else "auto")
        self._settings = dict(
            endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id=config.get("HALO_S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("HALO_S3_SECRET_ACCESS_KEY") or None,
            config=Config(s3={"addressing_style": style}, retries={"mode": "standard", "max_attempts": 5},
                          connect_timeout=10, read_timeout=60))
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        """Made on first use, so an app starts even while the S3 server is down."""
        with self._lock:
            if self._client is None:
                self._client = boto3.session.Session().client("s3", **self._settings)
            return self._client

    def key(self, area: str, name: str) -> str:
        """The object key of a file."""
        check(area, name)
        return f"{self.prefix}{area}/{name}"

    def save(self, area: str, name: str, data: bytes) -> None:
        # A PUT is atomic: readers see the whole object or none.
        self._call(self.client.put_object, Bucket=self.bucket, Key=self.key(area, name), Body=data)

    def open(self, area: str, name: str) -> StoredFile:
        answer = self._call(self.client.get_object, Bucket=self.bucket, Key=self.key(area, name),
                            missing=f"{area}/{name} is not in bucket {self.bucket}.")
        return StoredFile(name=name, size=answer["ContentLength"], stream=answer["Body"])

    def exists(self, area: str, name: str) -> bool:
        try:
            self._call(self.client.head_object, Bucket=self.bucket, Key=self.key(area, name),
                       missing="missing")
        except FileMissing:
            return False
        return True

    def delete(self, area: str, name: str) -> None:
        self._call(self.client.delete_object, Bucket=self.bucket, Key=self.key(area, name))

    def list(self, area: str) -> Iterator[tuple[str, int]]:
        start = self.key(area, "x")[:-1]
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item["Key"][len(start):]
                    if "/" not in name:
                        yield name, item["Size"]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"Listing {self.bucket}/{start} failed: {exc}") from exc

    def describe(self) -> dict:
        return {"backend": "s3", "bucket": self.bucket, "prefix": self.prefix,
                "endpoint": self.endpoint or "AWS"}

    def _call(self, method, missing: str | None = None, **kwargs):
        try:
            return method(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if missing and code in MISSING_CODES:
                raise FileMissing(missing) from None
            raise StorageError(f"S3 {method.__name__} on {self.bucket}/{kwargs.get('Key')} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {method.__name__} on {self.bucket} failed: {exc}") from exc
