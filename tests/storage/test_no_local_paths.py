"""No user-visible file is opened by a local path: the export, the imports and the report pages
run with a storage that has no local paths (as S3) while every `open` is watched.

Refused, whatever the mode: any path under MEDIA_ROOT or the storage's location. Refused for
writing: any path outside `tempfile.gettempdir()` (a worker's temporary file is not user-visible).
Allowed: reading anything else (templates, locale files, installed packages) and open file
descriptors. The .sav writer (analytics.sav) opens its file and its spool through these too.
"""

from __future__ import annotations

import builtins
import io
import os
import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage, default_storage

from analytics.models import ExportJob
from surveys.models import Survey
from tests.analytics.test_views import BASE, client_for, url
from tests.surveys.builder.test_limesurvey_views import IMPORT as LIMESURVEY
from tests.surveys.builder.test_limesurvey_views import english_russian as lss_english_russian
from tests.surveys.builder.test_xlsform_views import IMPORT as XLSFORM
from tests.surveys.builder.test_xlsform_views import english_russian_workbook, upload

pytestmark = pytest.mark.django_db

WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class NoLocalPathStorage(InMemoryStorage):
    """Files kept in memory, as an object store keeps them: there is no local path to any."""

    def path(self, name: str) -> str:
        raise NotImplementedError("This storage has no local paths, as S3's has none.")

    def _relative_path(self, name: str) -> str:
        # InMemoryStorage keys its files by the path it would have; kept for it alone.
        return os.path.relpath(InMemoryStorage.path(self, name), self.location)


class Watch:
    def __init__(self, media_root: Path):
        self.forbidden = [media_root.resolve()]
        self.temp = Path(tempfile.gettempdir()).resolve()
        self.refused: list[str] = []
        self.temp_writes: list[Path] = []

    def check(self, file, writing: bool) -> None:
        if isinstance(file, int):
            return  # an open descriptor, not a path
        path = Path(os.fsdecode(os.fspath(file))).resolve()
        if any(path.is_relative_to(root) for root in self.forbidden):
            self.refused.append(f"{path} (under MEDIA_ROOT or the storage)")
        elif writing and not path.is_relative_to(self.temp):
            self.refused.append(f"{path} (written outside the temp dir)")
        elif writing:
            self.temp_writes.append(path)
        if self.refused:
            raise PermissionError(f"opened by a local path: {self.refused[-1]}")


@pytest.fixture
def watch(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.NoLocalPathStorage"},
    }
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )
    assert isinstance(default_storage._setup() or default_storage._wrapped, NoLocalPathStorage)
    # A temp dir of the test's own: the checkout itself may lie under the system's (a CI clone in
    # /tmp), where a write into the source tree would pass for a temporary file.
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    watch = Watch(tmp_path / "media")
    watch.forbidden.append(Path(default_storage.location).resolve())
    real_open, real_os_open = io.open, os.open

    def guarded_open(file, mode="r", *args, **kwargs):
        watch.check(file, writing=any(flag in mode for flag in "wax+"))
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        watch.check(path, writing=bool(flags & WRITING))
        return real_os_open(path, flags, *args, **kwargs)

    # Path.open, read_bytes and write_bytes go through io.open; tempfile and FileSystemStorage
    # through os.open.
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    return watch


def test_the_watch_refuses_a_file_under_media_root_and_writes_elsewhere(watch, settings):
    with pytest.raises(PermissionError):
        open(Path(settings.MEDIA_ROOT) / "exports" / "x.csv", "rb")  # noqa: SIM115
    watch.refused.clear()
    with pytest.raises(PermissionError):
        Path(__file__).with_name("written.txt").write_bytes(b"x")
    watch.refused.clear()
    with pytest.raises(NotImplementedError):
        default_storage.path("exports/x.csv")
    Path(__file__).read_bytes()  # reading the source tree is allowed


@pytest.fixture
def owner(mini_survey):
    from accounts.roles import RESEARCHER
    from surveys.services import response_create

    for _ in range(6):
        response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    mini_survey.owner = user
    mini_survey.save()
    return client


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_an_export_is_built_and_downloaded_without_a_local_path(owner, watch, fmt):
    assert owner.post(url("export_start"), {"format": fmt}).status_code == 302
    job = ExportJob.objects.get()
    assert job.status == "complete" and default_storage.exists(job.file.name)
    download = owner.get(url("export_download", job.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content)
    # Written in its own temp dir, which is gone once saved to the storage.
    written = [p for p in watch.temp_writes if p.parent.name.startswith("saualnama-export-")]
    assert written and not any(path.parent.exists() for path in written)
    assert watch.refused == []


def test_the_report_pages_and_table_files_use_no_local_path(owner, watch):
    assert owner.get(url("results")).status_code == 200
    for fmt in ("csv", "xlsx"):
        assert owner.get(url("tables", fmt)).status_code == 200
    assert watch.refused == []


def test_the_xlsform_two_step_import_keeps_its_file_in_the_storage(watch):
    from tests.surveys.builder.test_xlsform_views import signed_in

    client = signed_in("rita")
    response = client.post(XLSFORM, {"file": upload("form.xlsx", english_russian_workbook())})
    token = response.context["step"].initial["token"]
    assert default_storage.listdir("import-stash")[0]  # the stash is in the storage
    response = client.post(XLSFORM, {"token": token, "name": "form.xlsx", "kk": "English",
                                      "ru": "Russian"})  # fmt: skip
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200  # the import's report
    assert watch.refused == []


def test_the_limesurvey_page_import_uses_no_local_path(watch):
    from tests.surveys.builder.test_xlsform_views import signed_in

    response = signed_in("rita").post(
        LIMESURVEY, {"file": upload("wave.lss", lss_english_russian())}
    )
    assert response.status_code == 200 and Survey.objects.filter(slug="wave").exists()
    assert watch.refused == []
