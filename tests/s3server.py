"""An S3 server for tests: moto's, on a free port of 127.0.0.1, with what a test needs to reach it.

    with s3_server() as s3:
        s3.create_bucket("bucket")
        subprocess.run([...job..., "--output=s3://bucket/out", *s3.beam_options], env=s3.env(), ...)
        s3.objects("bucket", "out/")

Beam's S3 filesystem takes its endpoint and keys from the `--s3_*` pipeline options
(`beam_options`); a process that reads outside a pipeline (`webtext shards inspect s3://...`)
takes them from boto3's standard environment (`env()`, or `environ` for the test process itself).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
KEY_ID, SECRET = "testing", "testing"


@dataclass(frozen=True)
class S3Server:
    """A running moto S3 server at `endpoint`."""

    endpoint: str

    @property
    def environ(self) -> dict[str, str]:
        """boto3's environment variables that reach this server (and no real account)."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a subprocess that reaches this server: this one's, `environ` and `extra`."""
        return {**os.environ, **self.environ, **extra}

    @property
    def beam_options(self) -> list[str]:
        """Beam's pipeline options that point its S3 filesystem at this server."""
        return [f"--s3_endpoint_url={self.endpoint}", f"--s3_access_key_id={KEY_ID}",
                f"--s3_secret_access_key={SECRET}", f"--s3_region_name={REGION}"]

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=KEY_ID,
                            aws_secret_access_key=SECRET, region_name=REGION)

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        self.client().put_object(Bucket=bucket, Key=key, Body=data)

    def objects(self, bucket: str, prefix: str = "") -> dict[str, int]:
        """{key: size} of every object of `bucket` whose key starts with `prefix`."""
        found: dict[str, int] = {}
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found.update({item["Key"]: item["Size"] for item in page.get("Contents", [])})
        return found

    def get(self, bucket: str, key: str) -> bytes:
        data: bytes = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return data


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """A moto S3 server in a thread of this process, on a free port of 127.0.0.1, stopped at the end."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
