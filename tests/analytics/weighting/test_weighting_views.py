"""The weighting schemes page, `w=` on the results pages and downloads, and the weight column
of exports: what a researcher, an aggregates-only analyst, another survey's researcher and an
anonymous visitor may do."""

import csv
import io
import zipfile

import openpyxl
import pyreadstat
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from accounts.roles import RESEARCHER
from analytics.models import ExportJob, ResultSnapshot
from analytics.weighting.models import ResponseWeight, WeightingScheme
from tests.analytics.test_views import client_for, url

pytestmark = pytest.mark.django_db(transaction=True)

# 6 central, 1 local respondents (tests.analytics.test_views.survey): 50/50 weights them
# 7/12 and 7/2.
TOTALS = {"t:level:central": "500", "t:level:local": "500", "name": "level", "label": "Level"}


@pytest.fixture
def scheme(survey, owner):
    response = owner.post(url("weighting_new"), TOTALS)
    assert response.status_code == 302
    return WeightingScheme.objects.get(survey=survey, name="level")


def test_the_researcher_defines_a_scheme_and_sees_its_summary(scheme, owner):
    assert scheme.status == WeightingScheme.Status.COMPLETE
    assert scheme.targets == {"level": {"central": 500.0, "local": 500.0}}
    weights = sorted(ResponseWeight.objects.filter(scheme=scheme).values_list("weight", flat=True))
    assert weights == pytest.approx([7 / 12] * 6 + [3.5])
    page = owner.get(url("weighting")).content.decode()
    assert 'id="scheme-level"' in page and "3,5" in page  # the largest weight, in Russian
    assert scheme.summary["n_eff"] == pytest.approx(49 / (6 * 49 / 144 + 12.25), abs=0.05)


def test_a_csv_upload_with_bad_lines_is_refused_line_by_line(survey, owner):
    upload = SimpleUploadedFile("t.csv", b"question,option,total\nlevel,central,abc\nlevel,x\n")
    response = owner.post(url("weighting_new"), {"name": "bad", "csv": upload})
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override("ru"):
        assert (
            translation.gettext("Line %(line)d: “%(total)s” is not a number.")
            % {
                "line": 2,
                "total": "abc",
            }
            in page
        )
        assert (
            translation.gettext("Line %(line)d: write three values, question,option,total.")
            % {"line": 3}
            in page
        )
    assert not WeightingScheme.objects.filter(name="bad").exists()


def test_a_csv_upload_defines_the_totals(survey, owner):
    upload = SimpleUploadedFile("t.csv", b"level,central,300\nlevel,local,700\n")
    assert owner.post(url("weighting_new"), {"name": "csv", "csv": upload}).status_code == 302
    assert WeightingScheme.objects.get(name="csv").targets["level"]["local"] == 700


def test_codes_outside_single_choice_questions_are_refused(survey, owner):
    response = owner.post(url("weighting_new"), {"name": "m", "t:barriers:gender": "5"})
    assert response.status_code == 400
    response = owner.post(url("weighting_new"), {"name": "m", "t:level:central": "-5"})
    assert response.status_code == 400
    assert not WeightingScheme.objects.filter(name="m").exists()


def test_an_empty_target_cell_is_kept_refused_with_its_reason(survey, owner):
    response = owner.post(
        url("weighting_new"), {"name": "e", "t:body:other": "5", "t:body:finance": "5"}
    )
    assert response.status_code == 302
    scheme = WeightingScheme.objects.get(name="e")
    assert scheme.status == WeightingScheme.Status.ERROR
    assert scheme.summary["refusal"] == {
        "reason": "empty_cell",
        "question": "body",
        "option": "other",
    }
    assert owner.get(url("results") + "?w=e").status_code == 400


def test_the_analyst_and_others_cannot_reach_the_schemes_page(scheme, analyst):
    for address in (url("weighting"), url("weighting_new"), url("weighting_edit", "level")):
        assert analyst.get(address).status_code == 403
    assert analyst.post(url("weighting_new"), TOTALS | {"name": "x"}).status_code == 403
    assert analyst.post(url("weighting_delete", "level")).status_code == 403
    other, _user = client_for("olga", RESEARCHER, is_staff=True)
    assert other.get(url("weighting")).status_code == 404
    assert other.post(url("weighting_delete", "level")).status_code == 404
    assert Client().get(url("weighting")).status_code == 302  # to sign in
    assert WeightingScheme.objects.filter(name="level").exists()


def test_the_researcher_gets_weighted_exact_tables(scheme, owner):
    response = owner.get(url("results") + "?w=level")
    assert response.status_code == 200
    assert 'id="weighting-note"' in response.content.decode()
    snapshot = ResultSnapshot.objects.get(weighting=scheme)
    level = snapshot.tables["level"]
    assert level["weighted"] == "level"
    assert [o["count"] for o in level["options"]] == [6, 1]
    assert [o["percent"] for o in level["options"]] == [50.0, 50.0]
    plain = owner.get(url("results"))
    assert 'id="weighting-note"' not in plain.content.decode()


def test_an_unknown_scheme_is_a_clear_400(survey, owner, analyst):
    for client in (owner, analyst):
        response = client.get(url("results") + "?w=nope")
        assert response.status_code == 400
        with translation.override("ru"):
            message = translation.gettext(
                "This survey has no weighting scheme named “%(name)s”."
            ) % {"name": "nope"}
        assert message in response.content.decode()
    assert owner.get(url("tables", "csv") + "?w=nope").status_code == 400
    assert owner.get(url("crosstab") + "?q=barriers&by=level&w=nope").status_code == 400


def test_the_analyst_may_choose_a_scheme_but_sees_no_weight(scheme, analyst):
    response = analyst.get(url("results") + "?w=level")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3.5" not in page and 'href="/results/mini/weighting/"' not in page
    download = analyst.get(url("tables", "csv") + "?w=level")
    assert download.status_code == 200
    assert analyst.post(url("export_start"), {"format": "csv", "w": "level"}).status_code == 403


def test_the_weighted_crosstab_has_weighted_percents_and_unweighted_counts(scheme, owner):
    response = owner.get(url("crosstab") + "?q=barriers&by=level&w=level")
    assert response.status_code == 200
    table = response.context["table"]
    assert table["weighted"] == "level"
    rows = {row["code"]: row for row in table["rows"]}
    assert rows["perception"]["counts"] == [6, 0]
    assert rows["perception"]["percents"] == [100.0, 0.0]
    assert [c["n_eff"] for c in table["columns"]] == [6.0, 1.0]


def _export(owner, fmt, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    response = owner.post(url("export_start"), {"format": fmt, "w": "level"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == "complete", job.error
    download = owner.get(url("export_download", job.pk))
    return b"".join(download.streaming_content)


def test_a_csv_export_has_the_weight_column_and_its_codebook_row(scheme, owner, tmp_path, settings):
    body = _export(owner, "csv", tmp_path, settings)
    archive = zipfile.ZipFile(io.BytesIO(body))
    text = archive.read("mini-responses.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "weight"
    assert sorted(float(r[-1]) for r in rows[1:]) == pytest.approx([7 / 12] * 6 + [3.5], rel=1e-5)
    codebook = archive.read("mini-codebook.csv").decode("utf-8-sig")
    assert codebook.splitlines()[-1].startswith("weight,")


def test_xlsx_and_sav_exports_have_the_weight(scheme, owner, tmp_path, settings):
    body = _export(owner, "xlsx", tmp_path, settings)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "weight"
    assert sorted(r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)) == pytest.approx(
        [7 / 12] * 6 + [3.5], rel=1e-5
    )
    ExportJob.objects.all().delete()
    body = _export(owner, "sav", tmp_path, settings)
    path = tmp_path / "w.sav"
    path.write_bytes(body)
    frame, meta = pyreadstat.read_sav(str(path))
    assert sorted(frame["weight"]) == pytest.approx([7 / 12] * 6 + [3.5], rel=1e-5)
    assert "level" in meta.column_names


def test_the_researcher_deletes_a_scheme(scheme, owner):
    assert owner.post(url("weighting_delete", "level")).status_code == 302
    assert not WeightingScheme.objects.filter(pk=scheme.pk).exists()
    assert not ResponseWeight.objects.filter(scheme_id=scheme.pk).exists()


def test_the_analysts_weighted_crosstab_comes_from_perturbed_counts(scheme, analyst):
    response = analyst.get(url("crosstab") + "?q=barriers&by=level&w=level")
    assert response.status_code == 200
    table = response.context["table"]
    if table.get("refused"):
        return  # the mini survey's groups may be too small for the analyst: nothing to check
    assert table["weighted"] == "level"
    for row in table["rows"]:
        for count, percent in zip(row["counts"], row["percents"], strict=True):
            assert (count is None) == (percent is None)


def test_a_weighted_tables_download_says_it_is_weighted(scheme, owner):
    body = owner.get(url("tables", "csv") + "?w=level").content.decode("utf-8-sig")
    with translation.override("ru"):
        note = translation.gettext(
            "Weighted by “%(name)s”: percentages, means and shares are weighted; "
            "counts and n are the respondents, unweighted."
        ) % {"name": "level"}
    assert note in body
    assert note not in owner.get(url("tables", "csv")).content.decode("utf-8-sig")
    page = owner.get(url("results") + "?w=level").content.decode()
    assert '<input type="hidden" name="w" value="level">' in page  # the filter keeps it
