"""The Word report from the results page: a job with progress, its download, and who may open it."""

import io

import docx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import RESEARCHER, RESULTS_ADMIN
from analytics.disclosure import SMALL_GROUP, Parameters, protection_note, refusal_message
from analytics.models import ExportJob, JobStatus
from surveys.services import response_create
from tests.analytics.test_views import BASE, client_for

# Transactional: the report task runs on commit, as it does after a real request's commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey(mini_survey, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for i in range(12):
        level = "central" if i % 3 else "local"
        data = {**BASE, "level": level, "body": "finance" if level == "central" else None}
        response_create(survey=mini_survey, data=data, language="kk", source="web")
    return mini_survey


@pytest.fixture
def owner(survey):
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    survey.owner = user
    survey.save()
    return client


@pytest.fixture
def analyst(survey):
    """An aggregates-only viewer of the survey."""
    return client_for("analyst", RESULTS_ADMIN, share=survey, is_staff=True)


def url(name, *args):
    return reverse(f"analytics:{name}", args=["mini", *args])


def read(response) -> docx.document.Document:
    return docx.Document(io.BytesIO(b"".join(response.streaming_content)))


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_the_results_page_offers_the_word_report(survey, owner, analyst):
    for client in (owner, analyst[0]):
        page = client.get(url("results")).content.decode()
        assert 'id="report-form"' in page and url("report_start") in page


def test_the_researcher_gets_an_exact_report_in_the_language_asked(survey, owner):
    started = owner.post(url("report_start"), {"language": "kk", "f": "level:central"})
    job = ExportJob.objects.get()
    assert started["Location"] == url("export", job.pk)
    assert (job.kind, job.format, job.language) == ("report", "docx", "kk")
    assert job.status == JobStatus.COMPLETE and job.done == job.total > 0
    status = owner.get(started["Location"]).content.decode()
    assert 'id="export-download"' in status
    download = owner.get(url("export_download", job.pk))
    assert 'filename="mini-report-kk.docx"' in download["Content-Disposition"]
    document = read(download)
    with translation.override("kk"):
        exact = gettext("Exact figures, for readers with access to the survey’s microdata.")
    assert exact in text_of(document)
    # The filter in words on the title page, in Kazakh.
    assert "Орган деңгейі — Орталық" in text_of(document)


def test_the_analyst_gets_only_protected_figures(survey, analyst):
    client, user = analyst
    client.post(url("report_start"), {"language": "ru"})
    job = ExportJob.objects.get()
    assert job.kind == ExportJob.Kind.REPORT_PROTECTED and job.requested_by == user
    document = read(client.get(url("export_download", job.pk)))
    text = text_of(document)
    with translation.override("ru"):
        assert gettext("Protected figures, for readers of aggregate results.") in text
        assert (
            gettext("Exact figures, for readers with access to the survey’s microdata.") not in text
        )
    # The protection note of analytics.disclosure is stated in the report.
    with translation.override("ru"):
        assert protection_note(Parameters(k=survey.min_cell_size)) in text


def test_the_analysts_report_of_a_small_group_holds_no_figure(survey, analyst):
    client, _user = analyst
    # 4 local respondents: below k = 5, refused as on the results page.
    client.post(url("report_start"), {"language": "ru", "f": "level:local"})
    job = ExportJob.objects.get()
    document = read(client.get(url("export_download", job.pk)))
    assert not document.tables and not document.inline_shapes
    with translation.override("ru"):
        assert refusal_message(SMALL_GROUP, k=survey.min_cell_size) in text_of(document)


def test_the_analyst_cannot_open_the_researchers_exact_report(survey, owner, analyst):
    owner.post(url("report_start"), {"language": "ru"})
    job = ExportJob.objects.get()
    client, _user = analyst
    assert client.get(url("export", job.pk)).status_code == 403
    assert client.get(url("export_download", job.pk)).status_code == 403


def test_an_analyst_cannot_open_another_analysts_report(survey, analyst):
    client, _user = analyst
    client.post(url("report_start"), {"language": "ru"})
    job = ExportJob.objects.get()
    other, _ = client_for("other", RESULTS_ADMIN, share=survey, is_staff=True)
    assert other.get(url("export", job.pk)).status_code == 403
    assert other.get(url("export_download", job.pk)).status_code == 403


def test_the_analyst_still_cannot_open_a_raw_export(survey, owner, analyst):
    owner.post(url("export_start"), {"format": "csv"})
    job = ExportJob.objects.get()
    client, _user = analyst
    assert client.get(url("export_download", job.pk)).status_code == 403


def test_a_researcher_of_another_survey_gets_404(survey, owner):
    owner.post(url("report_start"), {"language": "ru"})
    job = ExportJob.objects.get()
    stranger, _ = client_for("stranger", RESEARCHER, is_staff=True)
    assert stranger.post(url("report_start"), {"language": "ru"}).status_code == 404
    assert stranger.get(url("export", job.pk)).status_code == 404
    assert stranger.get(url("export_download", job.pk)).status_code == 404
    assert ExportJob.objects.count() == 1


def test_an_anonymous_client_is_sent_to_sign_in(survey, owner):
    owner.post(url("report_start"), {"language": "ru"})
    job = ExportJob.objects.get()
    anonymous = Client()
    for response in (
        anonymous.post(url("report_start"), {"language": "ru"}),
        anonymous.get(url("export", job.pk)),
        anonymous.get(url("export_download", job.pk)),
    ):
        assert response.status_code == 302 and "login" in response["Location"]
    assert ExportJob.objects.count() == 1


def test_an_unknown_language_or_filter_is_refused(survey, owner):
    assert owner.post(url("report_start"), {"language": "en"}).status_code == 404
    assert owner.post(url("report_start"), {"language": "ru", "f": "level:mars"}).status_code == 400
    assert not ExportJob.objects.exists()


def test_running_the_task_again_changes_nothing(survey, owner):
    from analytics.tasks import build_export

    owner.post(url("report_start"), {"language": "ru"})
    job = ExportJob.objects.get()
    name = job.file.name
    build_export.apply(args=[job.pk], throw=True)
    job.refresh_from_db()
    assert job.file.name == name and job.status == JobStatus.COMPLETE


def test_the_report_is_weighted_like_the_page_it_was_asked_from(survey, owner, analyst):
    from analytics.weighting.services import weighting_scheme_save

    scheme = weighting_scheme_save(
        survey=survey,
        name="levels",
        label="Деңгейлер / Уровни",
        targets={"level": {"central": 500, "local": 500}},
    )
    page = owner.get(url("results") + "?w=levels").content.decode()
    form = page[page.index('id="report-form"') :][:1500]
    assert 'name="w" value="levels"' in form
    for client in (owner, analyst[0]):
        client.post(url("report_start"), {"language": "ru", "w": "levels"})
    jobs = list(ExportJob.objects.order_by("pk"))
    assert [job.weighting_id for job in jobs] == [scheme.pk, scheme.pk]
    for job, client in zip(jobs, (owner, analyst[0]), strict=True):
        text = text_of(read(client.get(url("export_download", job.pk))))
        assert "Деңгейлер / Уровни" in text
        with translation.override("ru"):
            assert gettext("The figures are unweighted: each respondent counts once.") not in text
    # A scheme the survey does not have is the bad-filter page, and no job.
    assert owner.post(url("report_start"), {"language": "ru", "w": "nope"}).status_code == 400
    assert ExportJob.objects.count() == 2
