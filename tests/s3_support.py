"""A real S3-compatible server for tests: moto's server mode on a free local port.

It speaks S3 over HTTP like MinIO or AWS does, so boto3 runs its real client code
against it; worker processes the tests start reach it at the same URL.
"""
import uuid

import pytest

from halo.storage import init_storage

try:
    import boto3
    from moto.server import ThreadedMotoServer
except ImportError:  # requirements-dev.txt installs both; a bare install skips, saying why
    boto3 = ThreadedMotoServer = None

CREDENTIALS = {"HALO_S3_ACCESS_KEY_ID": "halo-test", "HALO_S3_SECRET_ACCESS_KEY": "halo-test-secret",
               "HALO_S3_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server running for the whole test run."""
    if ThreadedMotoServer is None:
        pytest.skip("boto3 and moto[server] are not installed (requirements-dev.txt)")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def new_bucket(endpoint: str) -> dict:
    """Settings for a new, empty bucket: HALO_STORAGE=s3 and the HALO_S3_* values."""
    bucket = f"halo-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="halo-test", aws_secret_access_key="halo-test-secret")
    client.create_bucket(Bucket=bucket)
    return {"HALO_STORAGE": "s3", "HALO_S3_BUCKET": bucket, "HALO_S3_ENDPOINT_URL": endpoint,
            "HALO_S3_PREFIX": "halo/", **CREDENTIALS}


@pytest.fixture
def s3_config(s3_endpoint):
    """A new, empty bucket's settings."""
    return new_bucket(s3_endpoint)


def bucket_keys(config) -> dict[str, bytes]:
    """Every object of the bucket and its bytes, read with a client of the test's own."""
    client = boto3.client("s3", endpoint_url=config["HALO_S3_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="halo-test", aws_secret_access_key="halo-test-secret")
    listing = client.list_objects_v2(Bucket=config["HALO_S3_BUCKET"]).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=config["HALO_S3_BUCKET"], Key=item["Key"])["Body"].read()
            for item in listing}


@pytest.fixture
def s3_storage(app, s3_config):
    """The app keeps its files in a fresh bucket for this test (put back afterwards)."""
    saved = app.extensions["halo_storage"]
    app.config.update(s3_config)  # _config_restored puts the settings back
    init_storage(app)
    yield s3_config
    app.extensions["halo_storage"] = saved
