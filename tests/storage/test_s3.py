"""Exports, downloads and the import stash on S3 (moto in process), as on the local disk."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pyreadstat
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from analytics.models import ExportJob
from surveys.builder import stash
from tests.analytics.test_views import BASE, client_for, url
from tests.storage.conftest import BUCKET, bucket_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(mini_survey):
    from accounts.roles import RESEARCHER
    from surveys.services import response_create

    for _ in range(3):
        response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    mini_survey.owner = user
    mini_survey.save()
    return client


@pytest.fixture
def produced(monkeypatch):
    """The bytes each export writer produced, as they went into the storage's save()."""
    seen: dict[str, bytes] = {}
    original = Storage.save

    def save(self, name, content, *args, **kwargs):
        data = content.read()
        content.seek(0)
        saved = original(self, name, content, *args, **kwargs)
        seen[saved] = data
        return saved

    monkeypatch.setattr(Storage, "save", save)
    return seen


def export_and_download(client, fmt: str) -> tuple[ExportJob, bytes, object]:
    started = client.post(url("export_start"), {"format": fmt})
    assert started.status_code == 302
    job = ExportJob.objects.latest("pk")
    download = client.get(url("export_download", job.pk))
    assert download.status_code == 200
    return job, b"".join(download.streaming_content), download


def content_of(fmt: str, body: bytes, tmp_path: Path):
    """What a file says, leaving out what differs between two builds (zip and file times)."""
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(body))
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    path = tmp_path / "read.sav"
    path.write_bytes(body)
    frame, meta = pyreadstat.read_sav(str(path))
    return frame.to_dict("list"), meta.column_names_to_labels, meta.variable_value_labels


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_an_export_on_s3_downloads_byte_identical_and_as_the_local_one(
    owner, fmt, settings, tmp_path, monkeypatch, produced
):
    settings.MEDIA_ROOT = tmp_path / "local"
    _local_job, local_body, local_download = export_and_download(owner, fmt)
    assert list((tmp_path / "local" / "exports").iterdir())  # local storage: the disk

    from tests.storage.conftest import s3_storages

    storages = s3_storages(monkeypatch)
    from moto import mock_aws

    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.MEDIA_ROOT = tmp_path / "s3-media"
        settings.STORAGES = {**settings.STORAGES, "default": storages["default"]}
        job, body, download = export_and_download(owner, fmt)
        stored = client.get_object(Bucket=BUCKET, Key=job.file.name)["Body"].read()
        assert bucket_keys(client) == [job.file.name]
    # Byte for byte: what the writer produced is what the bucket holds and the view streams.
    assert body == stored == produced[job.file.name]
    assert not job.file.name.endswith(".part") and not (tmp_path / "s3-media").exists()
    assert download["Content-Disposition"] == local_download["Content-Disposition"]
    assert download["Content-Type"] == local_download["Content-Type"]
    # The same export as on the local disk (two builds differ only in their time stamps).
    assert content_of(fmt, body, tmp_path) == content_of(fmt, local_body, tmp_path)


def test_signed_urls_redirect_with_the_download_name_and_a_short_expiry(owner, s3, settings):
    settings.S3_SIGNED_URLS = True
    owner.post(url("export_start"), {"format": "xlsx"})
    job = ExportJob.objects.get()
    before = timezone.now()
    response = owner.get(url("export_download", job.pk))
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    query = parse_qs(target.query)
    assert target.path.endswith(f"/{job.file.name}") or BUCKET in target.netloc
    assert query["response-content-disposition"] == ['attachment; filename="mini-responses.xlsx"']
    assert query["X-Amz-Expires"] == ["60"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(signed_at - before) < timedelta(seconds=30)
    # Asked with the shorter setting, the URL says so.
    settings.S3_SIGNED_URL_SECONDS = 5
    again = parse_qs(urlsplit(owner.get(url("export_download", job.pk))["Location"]).query)
    assert again["X-Amz-Expires"] == ["5"]
    # The redirect is audited as a download, as a streamed one is.
    from accounts.models import AuditEvent

    downloads = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_DOWNLOAD)
    assert downloads.count() == 2


def test_without_signed_urls_s3_streams_through_the_view(owner, s3, settings):
    settings.S3_SIGNED_URLS = False
    owner.post(url("export_start"), {"format": "csv"})
    response = owner.get(url("export_download", ExportJob.objects.get().pk))
    assert response.status_code == 200 and response.streaming


def test_a_stranger_gets_no_signed_url(owner, s3, settings, mini_survey):
    settings.S3_SIGNED_URLS = True
    owner.post(url("export_start"), {"format": "csv"})
    stranger, _user = client_for("stranger", is_staff=True)
    response = stranger.get(url("export_download", ExportJob.objects.get().pk))
    assert response.status_code == 404 and "Location" not in response


def test_the_stash_keeps_returns_and_drops_files_on_s3(s3):
    token = stash.upload_stash(user_id=7, content=b"workbook")
    assert bucket_keys(s3) == [f"import-stash/7/{token}.bin"]
    assert stash.upload_stashed_get(user_id=7, token=token) == b"workbook"
    assert stash.upload_stashed_get(user_id=8, token=token) is None  # another user's prefix
    for _ in range(3):
        stash.upload_stash(user_id=7, content=b"more")
    assert len(bucket_keys(s3)) == stash.MAX_PER_USER
    stash.upload_stash_drop(user_id=7, token=token)
    assert stash.upload_stashed_get(user_id=7, token=token) is None


def test_the_stash_purge_removes_files_past_their_hour_on_s3(s3):
    token = stash.upload_stash(user_id=7, content=b"workbook")
    assert stash.import_stash_purge() == 0
    later = timezone.now() + timedelta(seconds=stash.MAX_AGE_SECONDS + 1)
    assert stash.import_stash_purge(now=later) == 1
    assert stash.import_stash_purge(now=later) == 0 and bucket_keys(s3) == []
    assert stash.upload_stashed_get(user_id=7, token=token) is None


def test_a_large_file_goes_up_in_parts(s3):
    # Over the transfer's multipart threshold (8 MiB): S3 keeps the parts' count in the ETag.
    size = 9 * 1024 * 1024
    name = default_storage.save("exports/big.bin", ContentFile(b"x" * size))
    etag = s3.head_object(Bucket=BUCKET, Key=name)["ETag"]
    assert etag.strip('"').endswith("-2")
