"""S3 in process (moto) behind Django's default storage, configured by the real settings block."""

from __future__ import annotations

import runpy
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

BUCKET = "saualnama-test"
BASE_SETTINGS = Path(__file__).resolve().parents[2] / "config/settings/base.py"


def s3_storages(monkeypatch) -> dict:
    """STORAGES as config/settings/base.py builds them from the environment for `s3`."""
    for key, value in {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_SIGNED_URL_SECONDS": "60",
    }.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(BASE_SETTINGS))["STORAGES"]


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    """The default storage is an S3 bucket (moto); MEDIA_ROOT an empty folder nothing may use."""
    storages = s3_storages(monkeypatch)
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.STORAGES = {**settings.STORAGES, "default": storages["default"]}
        yield client


def bucket_keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.fixture(autouse=True)
def on_commit_now(monkeypatch):
    """Run on-commit work (export tasks, eager in tests; file deletions) at once, as after a real
    commit: the test's own transaction never commits."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )
