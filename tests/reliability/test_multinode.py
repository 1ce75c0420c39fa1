"""Several nodes sharing only PostgreSQL, Redis and the object storage (issue 15).

Two gunicorn web nodes (A and B) and Celery workers, each started with its own empty MEDIA_ROOT by
the commands of deploy/systemd/ (tests/reliability/nodes.py), against the test's database, a
private redis-server and moto's S3 server on loopback. Whatever one node writes, another must
see: a questionnaire edit, a results snapshot, an export file. A worker killed mid-task is
replaced by another that finishes it.
"""

from __future__ import annotations

import html
import io
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import override_settings
from django.urls import reverse

import surveys.services
from analytics.exporting import export_build
from analytics.models import ExportJob, JobStatus, ResultSnapshot
from surveys.models import Question
from surveys.validation import response_validate
from tests.factories import answers_fill

from .conftest import port_free, postgres_required, servers_database_url
from .nodes import (
    ROOT,
    S3Emulator,
    csrf_token,
    form_fields,
    process_stop,
    unit_environment,
    web_node_start,
    worker_start,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "multinode-pass-1"  # a throwaway account of the test database
WORKER_APP = "tests.reliability.worker_app"  # the project's app, a 1 s visibility timeout


@dataclass
class Cluster:
    env: dict[str, str]
    tmp: Path
    a: str = ""
    b: str = ""
    processes: list[Any] = field(default_factory=list)
    workers: list[Any] = field(default_factory=list)

    def worker(self, name: str, hold: float = 0, export_hold: float = 0) -> Any:
        """A worker with a MEDIA_ROOT of its own; the first results task of all holds `hold` s,
        the first export of all `export_hold` s."""
        media = self.tmp / f"media-{name}"
        media.mkdir()
        env = {
            **self.env,
            **unit_environment("saualnama-worker.service"),
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "MEDIA_ROOT": str(media),
            "SAUALNAMA_TEST_MARKS": str(self.tmp / "marks"),
            "SAUALNAMA_TEST_HOLD": str(hold),
            "SAUALNAMA_TEST_EXPORT_MARKS": str(self.tmp / "export-marks"),
            "SAUALNAMA_TEST_EXPORT_HOLD": str(export_hold),
        }
        process = worker_start(name=name, app=WORKER_APP, env=env, log=self.tmp / f"{name}.log")
        self.workers.append(process)
        return process

    def runs(self, marks_name: str = "marks") -> list[str]:
        marks = self.tmp / marks_name
        return marks.read_text().split() if marks.exists() else []


@pytest.fixture
def cluster(private_redis, tmp_path) -> Iterator[Cluster]:
    postgres_required()
    s3 = S3Emulator(port_free(), "saualnama-multinode")
    s3.start()
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HOME": tempfile.gettempdir(),
        "DEBUG": "false",
        "DATABASE_URL": servers_database_url(),
        "REDIS_URL": private_redis.url,
        "SECRET_KEY": "multinode-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "START_RATE_LIMIT": "0",
        **s3.environment(),
    }
    cluster = Cluster(env=env, tmp=tmp_path)
    try:
        for node in ("a", "b"):
            media = tmp_path / f"media-{node}"
            media.mkdir()
            port = port_free()
            node_env = {
                **env,
                **unit_environment("saualnama-web@.service"),
                # local: no HTTPS redirect or secure cookies on plain-HTTP loopback
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "MEDIA_ROOT": str(media),
            }
            log = tmp_path / f"node-{node}.log"
            cluster.processes.append(web_node_start(port=port, env=node_env, log=log))
            setattr(cluster, node, f"http://127.0.0.1:{port}")
        yield cluster
    finally:
        for process in cluster.workers + cluster.processes:
            process_stop(process, signal.SIGKILL)
        s3.stop()


def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def researcher_create() -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = get_user_model().objects.create_superuser("multinode", "mn@example.org")
    # The servers' hasher: the test settings' fast one is unknown to them.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return "multinode"


def browser(language: str = "ru") -> requests.Session:
    session = requests.Session()
    session.headers["Accept-Language"] = language
    return session


def login(session: requests.Session, base: str, username: str) -> None:
    url = base + reverse("login")
    page = session.get(url, timeout=30)
    fields = {
        "username": username,
        "password": PASSWORD,
        "csrfmiddlewaretoken": csrf_token(page.text),
    }
    reply = session.post(url, data=fields, allow_redirects=False, timeout=30)
    assert reply.status_code == 302, reply.text[:2000]


def same_cookie_elsewhere(session: requests.Session, language: str = "ru") -> requests.Session:
    """Another browser holding only the session cookie of `session`."""
    other = browser(language)
    other.cookies.set("sessionid", session.cookies["sessionid"], domain="127.0.0.1")
    return other


def text(reply: requests.Response) -> str:
    return html.unescape(reply.text)


def pages_of(schema, data: dict[str, Any]) -> list[dict[str, Any]]:
    answers = response_validate(schema=schema, data=data).answers
    return [
        {k: v for k, v in data.items() if k.partition(".")[0] in section.questions}
        for section in schema.visible_sections(answers)
    ]


def test_a_questionnaire_edit_through_node_b_shows_on_node_a_s_next_page(
    cluster, mini_survey, mini_schema
):
    username = researcher_create()
    on_a = browser()
    login(on_a, cluster.a, username)
    on_b = same_cookie_elsewhere(on_a)
    # The session lives in the database: node B knows the researcher node A signed in.
    assert on_b.get(cluster.b + reverse("builder:list"), timeout=30).status_code == 200
    assert "login" not in on_b.get(cluster.b + reverse("builder:list"), timeout=30).url

    respondent = browser("kk")
    welcome = respondent.get(cluster.a + reverse("surveys:welcome", args=["mini"]), timeout=30)
    started = respondent.post(
        cluster.a + reverse("surveys:start", args=["mini"]),
        data={"csrfmiddlewaretoken": csrf_token(welcome.text)},
        timeout=30,
    )
    assert started.status_code == 200 and "/r/" in started.url, started.text[:2000]
    first = started.url
    old = mini_schema.questions["barriers"].text.kk

    edit = cluster.b + reverse("builder:question_edit", args=["mini", "barriers"])
    form = on_b.get(edit, timeout=30)
    assert form.status_code == 200, form.text[:2000]
    fields = [(n, v) for n, v in form_fields(form.text) if n == "csrfmiddlewaretoken"] + [
        (n, v) for n, v in _question_form(form.text, edit) if n != "csrfmiddlewaretoken"
    ]
    assert ("text_kk", old) in fields, fields
    new = "Жаңа мәтін: кедергілер"
    fields = [(n, new if n == "text_kk" else v) for n, v in fields]
    saved = on_b.post(edit, data=fields, allow_redirects=False, timeout=30)
    assert saved.status_code == 302, text(saved)[:3000]
    assert Question.objects.get(code="barriers").text_kk == new

    page_one = pages_of(mini_schema, answers_fill(mini_schema))[0]
    reply = respondent.post(
        first,
        data={**page_one, "action": "next", "csrfmiddlewaretoken": respondent.cookies["csrftoken"]},
        timeout=30,
    )
    assert reply.status_code == 200 and reply.url.endswith("/2/"), text(reply)[:2000]
    assert new in text(reply)
    assert old not in text(reply)


def _question_form(page: str, action: str) -> list[tuple[str, str]]:
    path = action.split("://", 1)[1].split("/", 1)[1]
    for candidate in ("/" + path, "", None):
        fields = form_fields(page, action=candidate)
        if any(n == "text_kk" for n, _v in fields):
            return fields
    return []


def test_a_snapshot_requested_on_node_a_is_computed_by_a_worker_and_shown_on_node_b(
    cluster, mini_survey, mini_schema
):
    data = answers_fill(mini_schema)
    for changes in ({}, {"barriers": ["gender"]}, {"level": "local", "body": None}):
        surveys.services.response_create(
            survey=mini_survey, data={**data, **changes}, language="kk", source="web"
        )
    username = researcher_create()
    on_a = browser()
    login(on_a, cluster.a, username)
    on_b = same_cookie_elsewhere(on_a)
    results = reverse("analytics:results", args=["mini"])
    first = cluster.worker("first", hold=300)

    assert on_a.get(cluster.a + results, timeout=30).status_code == 200
    wait_for(cluster.runs, 60, f"the first worker to start the task ({cluster.tmp})")
    assert ResultSnapshot.objects.get().status == JobStatus.RUNNING
    process_stop(first, signal.SIGKILL)  # mid-computation: the task is held inside
    cluster.worker("second")

    expected = mini_schema.questions["barriers"].text.ru

    def shown_on_b() -> bool:
        page = on_b.get(cluster.b + results, timeout=30)
        return page.status_code == 200 and expected in text(page) and "<table" in page.text

    wait_for(shown_on_b, 60, f"the snapshot on node B ({cluster.tmp})")
    snapshot = ResultSnapshot.objects.get()
    assert snapshot.status == JobStatus.COMPLETE, snapshot.error
    assert snapshot.respondents == 3
    first_run, second_run = cluster.runs()
    assert first_run != second_run


def sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def sav_read(content: bytes, tmp: Path) -> tuple[Any, dict[str, Any]]:
    import pyreadstat

    path = tmp / f"{time.monotonic_ns()}.sav"
    path.write_bytes(content)
    frame, meta = pyreadstat.read_sav(str(path))
    labels = {"columns": meta.column_labels, "values": meta.variable_value_labels}
    return frame, labels


def reference_export(job: ExportJob, tmp: Path) -> bytes:
    """The same export built in this process, as a single node builds it."""
    twin = ExportJob.objects.create(
        survey=job.survey,
        kind=job.kind,
        format=job.format,
        language=job.language,
        filters=job.filters,
        total=job.total,
    )
    media = tmp / "media-reference"
    with override_settings(MEDIA_ROOT=str(media)):
        export_build(job_id=twin.pk)
        twin.refresh_from_db()
        with twin.file.open("rb") as stored:
            return stored.read()


def test_exports_started_on_node_a_download_from_node_b_as_a_single_node_builds_them(
    cluster, mini_survey, mini_schema
):
    data = answers_fill(mini_schema)
    for changes in ({}, {"barriers": ["gender"]}, {"level": "local", "body": None}):
        surveys.services.response_create(
            survey=mini_survey, data={**data, **changes}, language="kk", source="web"
        )
    username = researcher_create()
    on_a = browser()
    login(on_a, cluster.a, username)
    on_b = same_cookie_elsewhere(on_a)
    cluster.worker("exports")
    results = on_a.get(cluster.a + reverse("analytics:results", args=["mini"]), timeout=30)
    token = csrf_token(results.text) if "csrfmiddlewaretoken" in results.text else None
    token = token or on_a.cookies["csrftoken"]
    for fmt in ("xlsx", "sav"):
        started = on_a.post(
            cluster.a + reverse("analytics:export_start", args=["mini"]),
            data={"format": fmt, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )
        assert started.status_code == 302, started.text[:2000]
        job = ExportJob.objects.get(format=fmt)
        done = wait_for(
            lambda job=job: ExportJob.objects.filter(
                pk=job.pk, status__in=(JobStatus.COMPLETE, JobStatus.ERROR)
            ).first(),
            60,
            f"the {fmt} export ({cluster.tmp})",
        )
        assert done.status == JobStatus.COMPLETE, done.error
        download = on_b.get(
            cluster.b + reverse("analytics:export_download", args=["mini", job.pk]), timeout=30
        )
        assert download.status_code == 200, download.text[:2000]
        expected = reference_export(done, cluster.tmp)
        if download.content != expected:  # files may embed the time they were written
            if fmt == "xlsx":
                assert sheets(download.content) == sheets(expected)
            else:
                got, got_meta = sav_read(download.content, cluster.tmp)
                want, want_meta = sav_read(expected, cluster.tmp)
                assert got.equals(want)
                assert got_meta == want_meta


def test_an_export_whose_worker_is_killed_is_finished_by_another_and_downloads_from_b(
    cluster, mini_survey, mini_schema
):
    data = answers_fill(mini_schema)
    for changes in ({}, {"barriers": ["gender"]}):
        surveys.services.response_create(
            survey=mini_survey, data={**data, **changes}, language="kk", source="web"
        )
    username = researcher_create()
    on_a = browser()
    login(on_a, cluster.a, username)
    on_b = same_cookie_elsewhere(on_a)
    first = cluster.worker("first", export_hold=300)
    results = on_a.get(cluster.a + reverse("analytics:results", args=["mini"]), timeout=30)
    token = csrf_token(results.text) if "csrfmiddlewaretoken" in results.text else None
    token = token or on_a.cookies["csrftoken"]
    started = on_a.post(
        cluster.a + reverse("analytics:export_start", args=["mini"]),
        data={"format": "xlsx", "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, started.text[:2000]
    wait_for(lambda: cluster.runs("export-marks"), 60, f"the export to start ({cluster.tmp})")
    job = ExportJob.objects.get()
    assert job.status == JobStatus.RUNNING
    process_stop(first, signal.SIGKILL)  # mid-export: the task is held inside
    cluster.worker("second")
    done = wait_for(
        lambda: ExportJob.objects.filter(
            pk=job.pk, status__in=(JobStatus.COMPLETE, JobStatus.ERROR)
        ).first(),
        60,
        f"the export after the kill ({cluster.tmp})",
    )
    assert done.status == JobStatus.COMPLETE, done.error
    first_run, second_run = cluster.runs("export-marks")
    assert first_run != second_run
    download = on_b.get(
        cluster.b + reverse("analytics:export_download", args=["mini", job.pk]), timeout=30
    )
    assert download.status_code == 200
    assert sheets(download.content) == sheets(reference_export(done, cluster.tmp))
