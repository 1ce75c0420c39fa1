"""`manage.py report` on the seeded demonstration data: the paper's Table 1 and Table 2, read back
from the .docx, in Russian and in Kazakh."""

import io
import json
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext

from analytics.disclosure import Parameters, protection_note
from analytics.models import ResultSnapshot
from analytics.report.content import report_content
from analytics.report.document import report_docx
from analytics.selectors import filter_key, filters_normalize
from analytics.weighting.demo import DEMO_LABEL, DEMO_NAME
from surveys.models import Response, Survey
from surveys.selectors import survey_schema_get

SLUG = "civil-service-communication-2022"
WEST = "region=west_kazakhstan,aktobe,atyrau,mangystau"
# The paper's figures, restated here rather than imported from the seed.
TABLE_1 = {
    "Личная встреча, прием, беседа": [54, 57, 205, 456, 1290],
    "Телефонная связь": [46, 64, 356, 652, 944],
    "Электронная переписка": [49, 103, 377, 575, 958],
    "Письменный ответ на обращение, запрос": [56, 91, 294, 559, 1062],
}
TABLE_2 = [1122, 1241, 310, 374, 686, 487, 79, 99]  # in the paper's (the questionnaire's) order
ANSWERS = 4398
OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "report"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_paper_dataset", stdout=StringIO())
        call_command("seed_demo_weighting", stdout=StringIO())
        yield Survey.objects.get(slug=SLUG)
        Response.objects.filter(survey__slug=SLUG).delete()
        Survey.objects.filter(slug=SLUG).delete()


def report(tmp_path: Path, language: str, *args: str) -> docx.document.Document:
    target = tmp_path / f"west-{language}.docx"
    call_command(
        "report", SLUG, "--filter", WEST, "--language", language, "-o", str(target), *args,
        stdout=StringIO(),
    )  # fmt: skip
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(target, OUTPUT / target.name)
    return docx.Document(str(target))


def caption_table(document, number: int):
    """The table that follows the caption "Table N…" in the report's language."""
    word = gettext("Table %(number)d") % {"number": number}
    body = document.element.body
    found = False
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in element.iter() if node.tag.endswith("}t"))
            found = text.startswith(word + ".") or text == word
        elif tag == "tbl" and found:
            return docx.table.Table(element, document)
    raise AssertionError(f"no table after {word!r}")


def cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def figures(table) -> list[list[int]]:
    return [[int(text.rstrip("*")) for text in row[1:]] for row in cells(table)[1:]]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_western_regions_report_holds_the_papers_table_1_and_table_2(
    seeded, tmp_path, language
):
    document = report(tmp_path, language)
    with translation.override(language):
        table_1 = caption_table(document, 1)
        table_2 = caption_table(document, 2)
        name, count = gettext("Item"), gettext("Count")
    grid = cells(table_1)
    assert grid[0] == [name, "1", "2", "3", "4", "5"]
    assert figures(table_1) == list(TABLE_1.values())
    if language == "ru":
        assert [row[0] for row in grid[1:]] == list(TABLE_1)
    grid = cells(table_2)
    assert grid[0][:2] == [name, count]
    counts = [int(row[1].rstrip("*")) for row in grid[1:]]
    assert counts == [*TABLE_2, ANSWERS]
    assert grid[-1][1] == "4398*"
    # The share of answers: 1241 of 4398 is 28.2 %, with the language's separator as on the pages.
    shares = {row[1]: row[2] for row in grid[1:]}
    with translation.override(language):
        comma = get_format("DECIMAL_SEPARATOR")
    assert shares["1241"] == f"28{comma}2" and shares["1122"] == f"25{comma}5"


@pytest.mark.django_db
def test_the_report_has_every_part_in_russian(seeded, tmp_path):
    document = report(tmp_path, "ru")
    with translation.override("ru"):
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        for part in ("Method", "Who answered", "Main results", "Cross-tabulations"):
            assert gettext(part) in headings
        assert gettext("Annex. Codebook") in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Западно-Казахстанская область" in text  # the filter in words, on the title page
    assert "2062" in text
    # A chart per closed question, from the pages' SVG.
    assert len(document.inline_shapes) >= 30


@pytest.mark.django_db
def test_an_aggregates_only_report_holds_the_protected_figures_not_the_exact_ones(seeded):
    schema = survey_schema_get(survey=seeded)
    filters = filters_normalize(schema=schema, raw={"region": WEST.split("=")[1].split(",")})
    content = report_content(
        survey=seeded, schema=schema, filters=filters, language="ru", exact=False
    )
    document = docx.Document(io.BytesIO(report_docx(content=content)))
    snapshot = ResultSnapshot.objects.get(survey=seeded, filter_key=filter_key(filters))
    protected = snapshot.protected["tables"]["channel_effectiveness"]["rows"]
    with translation.override("ru"):  # the report's language, for its captions
        shown = figures(caption_table(document, 1))
    assert shown == [[row["counts"][str(p)] for p in range(1, 6)] for row in protected]
    assert shown != list(TABLE_1.values())  # the perturbation moved some count
    text = "\n".join(p.text for p in document.paragraphs)
    with translation.override("ru"):
        assert protection_note(Parameters(k=seeded.min_cell_size)) in text


@pytest.mark.django_db
def test_an_unknown_weighting_scheme_is_refused(seeded, tmp_path):
    with pytest.raises(CommandError, match="“census”"):
        call_command(
            "report", SLUG, "--weights", "census", "--language", "kk",
            "-o", str(tmp_path / "x.docx"),
        )  # fmt: skip


@pytest.mark.django_db
def test_a_weighted_report_shows_weighted_shares_beside_the_unweighted_counts(seeded, tmp_path):
    document = report(tmp_path, "ru", "--weights", DEMO_NAME)
    out = StringIO()
    call_command(
        "results", SLUG, "--filter", WEST, "--weights", DEMO_NAME, "--language", "ru",
        stdout=out,
    )  # fmt: skip
    barriers = json.loads(out.getvalue())["tables"]["barriers"]
    with translation.override("ru"):
        grid = cells(caption_table(document, 2))[1:-1]
    # Counts stay the respondents' (the paper's); the shares are the weighted results'.
    assert [int(row[1]) for row in grid] == TABLE_2
    with translation.override("ru"):
        comma = get_format("DECIMAL_SEPARATOR")
    weighted = [f"{o['percent_of_answers']:.1f}".replace(".", comma) for o in barriers["options"]]
    assert [row[2] for row in grid] == weighted
    assert weighted != [f"{100 * n / ANSWERS:.1f}".replace(".", comma) for n in TABLE_2]
    text = "\n".join(p.text for p in document.paragraphs)
    with translation.override("ru"):
        assert gettext("The figures are unweighted: each respondent counts once.") not in text
        assert DEMO_LABEL in text


@pytest.mark.django_db
def test_a_bad_filter_is_refused_in_the_reports_language(seeded, tmp_path):
    with translation.override("ru"):
        expected = gettext("“%(value)s” is not an option of “%(code)s”.") % {
            "value": "atlantis",
            "code": "region",
        }
    with pytest.raises(CommandError) as error:
        call_command(
            "report", SLUG, "--filter", "region=atlantis", "--language", "ru",
            "-o", str(tmp_path / "x.docx"),
        )  # fmt: skip
    assert str(error.value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_report_renders_to_pages(seeded, tmp_path, language):
    """LibreOffice turns the .docx into PDF pages, kept as images in test-output/report/."""
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice (soffice) and poppler (pdftoppm) render the report; CI has them")
    report(tmp_path, language)
    source = OUTPUT / f"west-{language}.docx"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(OUTPUT), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = OUTPUT / f"west-{language}.pdf"
    assert pdf.exists()
    for old in OUTPUT.glob(f"west-{language}-page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(OUTPUT / f"west-{language}-page")],
        check=True, timeout=300,
    )  # fmt: skip
    pages = sorted(OUTPUT.glob(f"west-{language}-page-*.png"))
    assert len(pages) >= 10
