"""Results pages, downloads and exports, as an admin and a researcher use them."""

import csv
import io
import zipfile
from unittest import mock

import openpyxl
import pyreadstat
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from analytics.models import ExportJob, JobStatus
from surveys.services import response_create

# Transactional: the results task runs on commit, as it does after a real request's commit.
pytestmark = pytest.mark.django_db(transaction=True)

BASE = {
    "level": "central",
    "body": "finance",
    "years": "7",
    "channels.meeting": "5",
    "channels.phone": "4",
    "barriers": "perception language",
    "general": "4",
}


def client_for(username, group=None, language="ru", share=None, **flags):
    """A signed-in user of `group`; `share`: the survey shared with them in that role."""
    groups = roles_ensure()
    user = get_user_model().objects.create_user(username, password="pw", **flags)
    if group:
        user.groups.add(groups[group])
    if share is not None:
        SurveyShare.objects.create(survey=share, user=user, role=group)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client, user


@pytest.fixture
def survey(mini_survey):
    for _ in range(6):
        response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    response_create(
        survey=mini_survey,
        data={**BASE, "level": "local", "body": None, "barriers": "gender"},
        language="ru",
        source="web",
    )
    return mini_survey


@pytest.fixture
def analyst(survey):
    return client_for("analyst", RESULTS_ADMIN, share=survey, is_staff=True)[0]


@pytest.fixture
def owner(survey):
    """The survey's researcher: microdata access, exact tables."""
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    survey.owner = user
    survey.save()
    return client


def url(name, *args):
    return reverse(f"analytics:{name}", args=["mini", *args])


def test_anonymous_visitors_are_sent_to_sign_in(survey):
    response = Client().get(url("results"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_user_without_a_role_is_refused(survey):
    client, _user = client_for("nobody", is_staff=True)
    for target in (url("results"), url("crosstab"), url("tables", "csv")):
        assert client.get(target).status_code == 404
    assert client.post(url("export_start"), {"format": "csv"}).status_code == 404


def test_the_owner_researcher_sees_results_of_their_survey(survey):
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    assert client.get(url("results")).status_code == 404
    survey.owner = user
    survey.save()
    assert client.get(url("results")).status_code == 200


@pytest.mark.parametrize(("language", "word"), [("kk", "Кедергілер"), ("ru", "Барьеры")])
def test_results_page_shows_every_closed_question_in_the_language(survey, language, word):
    client, _user = client_for(
        "analyst", RESULTS_ADMIN, language=language, share=survey, is_staff=True
    )
    page = client.get(url("results")).content.decode()
    assert f'<html lang="{language}">' in page
    assert word in page
    for code in ("barriers", "channels", "level", "general", "years"):
        assert f'id="t-{code}"' in page
    # The paper's tables lead (here only barriers exists), then questionnaire order.
    assert (
        page.index('id="t-barriers"') < page.index('id="t-level"') < page.index('id="t-channels"')
    )
    assert page.count("<svg") >= 4


def test_a_region_style_filter_narrows_the_respondents_exactly_for_the_researcher(survey, owner):
    page = owner.get(url("results") + "?f=level:central").content.decode()
    assert "6 " in page[page.index('id="respondents"') :][:80]
    assert 'id="protection"' not in page and 'id="refusal"' not in page


def test_a_filter_leaving_fewer_than_k_outside_is_refused_to_the_analyst(survey, analyst):
    # 6 central of 7: the one local respondent would be the unfiltered tables minus these.
    page = analyst.get(url("results") + "?f=level:central").content.decode()
    assert 'id="refusal"' in page and 'id="respondents"' not in page
    assert 'id="t-barriers"' not in page


def test_an_unknown_filter_is_a_clear_400(survey, analyst):
    response = analyst.get(url("results") + "?f=level:regional")
    assert response.status_code == 400
    assert "regional" in response.content.decode()


def test_results_page_says_so_when_the_broker_is_down(survey, analyst):
    with mock.patch("analytics.tasks.compute_results.delay", side_effect=ConnectionError):
        page = analyst.get(url("results"))
    assert page.status_code == 200
    assert "Сейчас результаты вычислить нельзя" in page.content.decode()
    # The rest of the site keeps working.
    assert Client().get(reverse("surveys:welcome", args=["mini"])).status_code == 200


def test_tables_download_as_xlsx_with_one_sheet_per_table(survey, owner):
    response = owner.get(url("tables", "xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"barriers", "channels", "level"} <= set(book.sheetnames)
    cells = [row for row in book["barriers"].iter_rows(values_only=True)]
    assert any(row and "Восприятие" in row and 6 in row for row in cells)


def test_tables_download_as_csv_respects_the_filter(survey, owner):
    response = owner.get(url("tables", "csv") + "?f=level:local")
    text = response.content.decode("utf-8-sig")
    assert "gender,Гендер,1," in text and "—" not in text  # the researcher's tables are exact
    assert "filtered" in response["Content-Disposition"]


def test_the_analysts_download_of_a_small_group_is_refused(survey, analyst):
    response = analyst.get(url("tables", "csv") + "?f=level:local")
    assert response.status_code == 403
    assert "attachment" not in response.get("Content-Disposition", "")


def test_the_analysts_download_says_the_counts_are_perturbed(survey, analyst, owner):
    # 7 respondents, k = 5: the unfiltered survey may be shown.
    text = analyst.get(url("tables", "csv")).content.decode("utf-8-sig")
    assert "искаж" in text.casefold()  # "Counts are perturbed...", in Russian
    assert "искаж" not in owner.get(url("tables", "csv")).content.decode("utf-8-sig").casefold()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_responses_export_runs_as_a_job_and_downloads(survey, owner, fmt, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    analyst = owner
    started = analyst.post(url("export_start"), {"format": fmt, "f": "level:central"})
    job = ExportJob.objects.get()
    assert started["Location"] == url("export", job.pk)
    assert job.status == JobStatus.COMPLETE and job.done == 6
    status = analyst.get(started["Location"]).content.decode()
    assert 'id="export-download"' in status
    # The page says where the codebook is (a sheet, a second file); the .sav has its labels.
    assert ('id="export-contents"' in status) == (fmt != "sav")
    download = analyst.get(url("export_download", job.pk))
    body = b"".join(download.streaming_content)
    if fmt == "csv":
        # The responses and the codebook, zipped.
        assert download["Content-Type"] == "application/zip"
        assert 'filename="mini-responses-csv.zip"' in download["Content-Disposition"]
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert archive.namelist() == ["mini-responses.csv", "mini-codebook.csv"]
            text = archive.read("mini-responses.csv").decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == 7 and rows[0][0] == "language"
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(body))
        assert book.sheetnames == ["mini", "codebook"]
        assert book.worksheets[0].max_row == 7
    else:
        path = tmp_path / "out.sav"
        path.write_bytes(body)
        frame, meta = pyreadstat.read_sav(str(path))
        assert len(frame) == 6 and meta.column_names_to_labels


def test_the_researcher_may_export_a_group_below_k(survey, owner, tmp_path, settings):
    # Microdata users see every response; a threshold would only get in their way.
    settings.MEDIA_ROOT = tmp_path
    response = owner.post(url("export_start"), {"format": "csv", "f": "level:local"})
    assert response.status_code == 302
    assert ExportJob.objects.get().done == 1


def test_crosstab_page_shows_exact_counts_and_the_test_to_the_researcher(survey, owner):
    page = owner.get(url("crosstab") + "?q=barriers&by=level").content.decode()
    assert 'id="crosstab"' in page and 'id="crosstab-test"' in page
    assert 'id="withheld-columns"' not in page and 'id="protection"' not in page


def test_crosstab_leaves_small_groups_out_for_the_analyst(survey, analyst):
    page = analyst.get(url("crosstab") + "?q=barriers&by=level").content.decode()
    # 1 local respondent; 6 central leave 1 outside: neither column is shown.
    assert 'id="withheld-columns"' in page and 'id="protection"' in page


def test_crosstab_refuses_a_question_that_cannot_split(survey, analyst):
    assert analyst.get(url("crosstab") + "?q=barriers&by=barriers").status_code == 400


def test_the_results_index_lists_only_the_surveys_a_user_may_see(survey):
    analyst, _user = client_for("analyst", RESULTS_ADMIN, share=survey, is_staff=True)
    assert url("results") in analyst.get(reverse("analytics:index")).content.decode()
    unshared, _user = client_for("ursula", RESULTS_ADMIN, is_staff=True)
    assert url("results") not in unshared.get(reverse("analytics:index")).content.decode()
    stranger, _user = client_for("stranger", RESEARCHER, is_staff=True)
    assert url("results") not in stranger.get(reverse("analytics:index")).content.decode()


def test_a_results_admin_is_not_offered_the_administration(survey):
    analyst, _user = client_for("analyst", RESULTS_ADMIN, is_staff=True, share=survey)
    page = analyst.get(url("results")).content.decode()
    assert reverse("admin:index") not in page
    owner, user = client_for("rita", RESEARCHER, is_staff=True)
    survey.owner = user
    survey.save()
    assert reverse("admin:index") in owner.get(url("results")).content.decode()


def test_a_snapshot_from_before_the_disclosure_control_is_never_shown_to_the_analyst(
    survey, analyst
):
    from analytics.models import ResultSnapshot

    analyst.get(url("results"))
    ResultSnapshot.objects.update(protected=None)  # as the migration left existing snapshots
    with mock.patch("analytics.tasks.compute_results.delay"):  # the recomputation stays queued
        page = analyst.get(url("results")).content.decode()
    assert 'id="t-barriers"' not in page and 'id="respondents"' not in page
