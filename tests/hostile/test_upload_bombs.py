"""Workbooks built to exhaust the server (issue 11, "Upload bombs"), sent to every path that reads
an .xlsx: the XLSForm import page and command, the admin's imports, the response import.

Each is refused by surveys.formats.xlsx_guard before openpyxl opens it (the parser is replaced
by one that fails the test), with a message in the user's language, nothing stored, and a peak of
Python memory far below what the parser would have used (575 MB for the first workbook).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from openpyxl.reader.excel import ExcelReader

from accounts.models import Invitation
from accounts.roles import RESEARCHER, roles_ensure
from accounts.uploads import upload_check
from surveys.formats.xlsform.convert import XLSFormError, xlsform_export, xlsform_import
from surveys.formats.xlsx_guard import xlsx_bounds_check
from surveys.models import Question, Response, Survey
from tests.factories import survey_2022_load
from tests.hostile.test_imports import IMPORTS, SLUG, admin_import, owner  # noqa: F401
from tests.surveys.formats.test_xlsform import YES_NO, q, workbook

MEGABYTE = 1024 * 1024
MEMORY_BOUND = 100 * MEGABYTE
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
TYPE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
SHEET = "xl/worksheets/sheet1.xml"


def xlsx(
    *, shared: bytes, sheet: bytes | Callable[[Any], None], sheet_name: bytes = b"survey"
) -> bytes:
    """A minimal workbook written part by part: `shared` is the body of sharedStrings.xml (with
    its prolog, so a test may add a DOCTYPE), `sheet` the body of sheet1.xml or a function that
    writes it into an open ZIP entry (for parts too big to hold in memory)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            b"<Relationships " + RELS + b'><Relationship Id="rId1" Type="' + TYPE
            + b'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )  # fmt: skip
        archive.writestr(
            "xl/workbook.xml",
            b"<workbook " + MAIN + b' xmlns:r="' + TYPE[:-1] + b'"><sheets><sheet name="'
            + sheet_name + b'" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )  # fmt: skip
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            b"<Relationships " + RELS + b'><Relationship Id="rId1" Type="' + TYPE
            + b'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="'
            + TYPE + b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )  # fmt: skip
        archive.writestr("xl/sharedStrings.xml", shared)
        if callable(sheet):
            with archive.open(SHEET, "w") as part:
                sheet(part)
        else:
            archive.writestr(SHEET, sheet)
    return out.getvalue()


def sheet_xml(rows: bytes, dimension: bytes = b"") -> bytes:
    return (
        b"<worksheet "
        + MAIN
        + b">"
        + dimension
        + b"<sheetData>"
        + rows
        + b"</sheetData></worksheet>"
    )


def sst(*texts: bytes, prolog: bytes = b'<?xml version="1.0"?>') -> bytes:
    items = b"".join(b"<si><t>" + text + b"</t></si>" for text in texts)
    return prolog + b"<sst " + MAIN + b">" + items + b"</sst>"


def shared_string_bomb() -> bytes:
    """The workbook of the issue: one 1 MB shared string, used by 200 cells."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (n, n) for n in range(1, 201)
    )
    return xlsx(shared=sst(b"x" * MEGABYTE), sheet=sheet_xml(rows))


def zip_bomb() -> bytes:
    """One cell of 200 MB of zeros: a few hundred KB once compressed."""

    def write(part: Any) -> None:
        part.write(
            b"<worksheet " + MAIN + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        )
        zeros = b"0" * MEGABYTE
        for _n in range(200):
            part.write(zeros)
        part.write(b"</t></is></c></row></sheetData></worksheet>")

    return xlsx(shared=sst(b"language"), sheet=write)


def understated(content: bytes, name: str = SHEET, size: int = 1024) -> bytes:
    """`content` with the unpacked size of part `name` written as `size`, in its local header and
    in the directory: the sizes a ZIP states are the sender's word."""
    data = bytearray(content)
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        length = int.from_bytes(data[local + 26 : local + 28], "little")
        if data[local + 30 : local + 30 + length] == encoded:
            data[local + 22 : local + 26] = size.to_bytes(4, "little")
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == encoded:
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def entity_bomb() -> bytes:
    """A billion laughs in the shared strings: 10 KB of XML that expands to a gigabyte."""
    entities = (
        b'<!ENTITY a0 "'
        + b"ha" * 5
        + b'">'
        + b"".join(b'<!ENTITY a%d "' % n + b"&a%d;" % (n - 1) * 10 + b'">' for n in range(1, 9))
    )
    prolog = b'<?xml version="1.0"?><!DOCTYPE sst [' + entities + b"]>"
    rows = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return xlsx(shared=sst(b"&a8;", prolog=prolog), sheet=sheet_xml(rows))


def grid_bomb() -> bytes:
    """One cell, and a dimension claiming every cell of the sheet: openpyxl would yield a million
    rows of 16384 empty cells each."""
    rows = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    dimension = b'<dimension ref="A1:XFD1048576"/>'
    return xlsx(shared=sst(b"language"), sheet=sheet_xml(rows, dimension))


def row_bomb() -> bytes:
    """No cell at all, and one empty row numbered 100 million: openpyxl yields every row before."""
    return xlsx(shared=sst(b"language"), sheet=sheet_xml(b'<row r="100000000"/>'))


BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "shared string x 200 cells": (shared_string_bomb, "text"),
    "200 MB of zeros": (zip_bomb, "unpacked"),
    "billion laughs": (entity_bomb, "xml"),
    "a million rows of 16384 columns": (grid_bomb, "cells"),
    "an empty row numbered 100 million": (row_bomb, "cells"),
}


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {name: build() for name, (build, _code) in BOMBS.items()}


@pytest.fixture(params=sorted(BOMBS))
def bomb(request, bombs) -> tuple[str, bytes, str]:
    return request.param, bombs[request.param], BOMBS[request.param][1]


@pytest.fixture(autouse=True)
def no_parser(monkeypatch) -> None:
    """openpyxl's reader, behind load_workbook (the response import, django-import-export) and
    pyxform's XLSX backend, fails the test: a bomb must be refused before it. A test of a good
    workbook undoes this."""

    def read(self: ExcelReader, *args: object, **kwargs: object) -> None:
        pytest.fail("openpyxl was called on a workbook that should have been refused")

    monkeypatch.setattr(ExcelReader, "read", read)


@pytest.fixture
def parser_allowed(monkeypatch) -> None:
    monkeypatch.undo()


@contextmanager
def bounded_memory() -> Iterator[None]:
    """Fails unless the Python memory allocated inside the block peaks under MEMORY_BOUND."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak / MEGABYTE:.0f} MB"


def test_the_issue_s_workbook_is_small_and_what_made_the_import_use_575_mb(bombs):
    content = bombs["shared string x 200 cells"]
    assert len(content) < 8 * 1024
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > MEGABYTE
    assert len(bombs["200 MB of zeros"]) < MEGABYTE


# The guard itself ---------------------------------------------------------------------------------


def test_each_bomb_is_refused_by_the_guard_with_its_own_code(bomb):
    _name, content, code = bomb
    with bounded_memory(), pytest.raises(ValidationError) as info:
        xlsx_bounds_check(file=io.BytesIO(content))
    assert info.value.code == code
    assert info.value.messages[0]


def test_a_bomb_whose_zip_understates_its_size_is_refused_by_what_it_unpacks_to(bombs):
    """zipfile would stop at the stated 1 KB, but its read() inflates the whole part first."""
    content = understated(bombs["200 MB of zeros"])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo(SHEET).file_size == 1024
    with bounded_memory(), pytest.raises(ValidationError) as info:
        # Its text would be refused first (the zeros are one cell's text): here only its bytes.
        xlsx_bounds_check(file=io.BytesIO(content), max_text_chars=10**9)
    assert info.value.code == "unpacked"


def test_the_refusals_are_written_in_the_user_s_language(bombs):
    """Through gettext, and the limit in the language's number format."""
    messages = {}
    for language in ("ru", "kk"):
        with translation.override(language):
            with pytest.raises(ValidationError) as info:
                xlsx_bounds_check(file=io.BytesIO(bombs["shared string x 200 cells"]))
            # A lazy message: read it in the language it is meant for.
            messages[language] = str(info.value.messages[0])
    assert "таңба" in messages["kk"] and "20" in messages["kk"]
    assert "20\xa0000\xa0000" in messages["ru"] and messages["ru"] != messages["kk"]


def test_the_limits_come_from_the_settings(settings, parser_allowed):
    content = workbook([q("integer", "age")]).read()
    xlsx_bounds_check(file=io.BytesIO(content))
    settings.XLSX_MAX_CELLS = 5
    with pytest.raises(ValidationError) as info:
        xlsx_bounds_check(file=io.BytesIO(content))
    assert info.value.code == "cells"
    settings.XLSX_MAX_CELLS = 1_000_000
    settings.XLSX_MAX_TEXT_CHARS = 10
    with pytest.raises(ValidationError) as info:
        xlsx_bounds_check(file=io.BytesIO(content))
    assert info.value.code == "text"


def test_a_zip_of_too_many_entries_is_refused_from_its_directory():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(1001):
            archive.writestr(f"x{n}", b"")
    with pytest.raises(ValidationError) as info:
        xlsx_bounds_check(file=io.BytesIO(out.getvalue()))
    assert info.value.code == "entries"


def test_what_is_no_zip_is_left_to_the_parser_to_refuse():
    xlsx_bounds_check(file=io.BytesIO(b"PK\x03\x04 not a workbook"))


# The XLSForm import: page and command ------------------------------------------------------------


def researcher() -> Client:
    user = get_user_model().objects.create_user("rita", password="pw-123456")
    user.groups.add(roles_ensure()[RESEARCHER])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_xlsform_page_refuses_each_bomb_as_a_form_error(bomb):
    client = researcher()
    _name, content, code = bomb
    assert client.get("/build/import/xlsform/").status_code == 200  # imports done, not measured
    upload = SimpleUploadedFile("form.xlsx", content)
    with bounded_memory():
        page = client.post("/build/import/xlsform/", {"file": upload})
    assert page.status_code == 400
    assert page.context["form"].errors.as_data()["file"][0].code == code
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_the_xlsform_service_refuses_the_issue_s_workbook_as_a_problem(bombs):
    file = ContentFile(bombs["shared string x 200 cells"], name="form.xlsx")
    with bounded_memory(), pytest.raises(XLSFormError) as info:
        xlsform_import(file=file, user=None)
    assert [p.sheet for p in info.value.problems] == ["workbook"]
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_the_import_xlsform_command_refuses_each_bomb(bomb, tmp_path):
    _name, content, _code = bomb
    path = tmp_path / "form.xlsx"
    path.write_bytes(content)
    # In the site's language (kk in the tests): the heading names the file, a line the refusal.
    with bounded_memory(), pytest.raises(CommandError, match=r"form\.xlsx .*\nworkbook"):
        call_command("import_xlsform", str(path), stdout=io.StringIO())
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_the_2022_questionnaire_exported_still_imports_by_command(tmp_path, parser_allowed):
    survey_2022_load()
    path = tmp_path / "2022.xlsx"
    call_command("export_xlsform", SLUG, "-o", str(path))
    xlsx_bounds_check(file=path)
    out = io.StringIO()
    call_command("import_xlsform", str(path), "--slug", "wave-2", stdout=out)
    assert "wave-2" in out.getvalue()
    original = Survey.objects.get(slug=SLUG).questions.count()
    assert Survey.objects.get(slug="wave-2").questions.count() == original


@pytest.mark.django_db
def test_the_tests_xlsform_workbooks_still_import_on_the_page(parser_allowed):
    content = workbook([q("select_one yn", "works", required="yes"), q("integer", "age")], YES_NO)
    page = researcher().post(
        "/build/import/xlsform/", {"file": SimpleUploadedFile("form.xlsx", content.read())}
    )
    assert page.status_code == 302
    assert Survey.objects.count() == 1


@pytest.mark.django_db
def test_the_2022_export_passes_the_upload_check(parser_allowed):
    content = xlsform_export(survey=survey_2022_load())
    upload_check(file=ContentFile(content, name="2022.xlsx"), allowed={"xlsx"}, max_bytes=MEGABYTE)


# The admin's imports ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["question", "invitation"])
def test_the_admin_imports_refuse_each_bomb_as_a_form_error(owner, kind, bombs):  # noqa: F811
    base, _columns = IMPORTS[kind]
    before = Question.objects.count(), Invitation.objects.count()
    assert owner.get(f"{base}import/").status_code == 200  # imports done, not measured
    for name, (_build, code) in BOMBS.items():
        with bounded_memory():
            page = admin_import(owner, base, f"{kind}.xlsx", bombs[name], "1")
        assert page.status_code == 200, name
        assert page.context["form"].errors.as_data()["import_file"][0].code == code, name
    assert (Question.objects.count(), Invitation.objects.count()) == before


# The response import ------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    try:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


@pytest.mark.django_db
def test_the_response_import_refuses_each_bomb_storing_nothing(survey_2022, bomb, tmp_path):
    _name, content, _code = bomb
    path: Path = tmp_path / "responses.xlsx"
    path.write_bytes(content)
    with bounded_memory():
        code, message = run("import_responses", SLUG, str(path), "--language", "ru")
    assert code == 2
    assert "responses.xlsx" in message
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_the_response_import_refuses_an_understated_zip_bomb(survey_2022, bombs, tmp_path):
    path = tmp_path / "responses.xlsx"
    path.write_bytes(understated(bombs["200 MB of zeros"]))
    with bounded_memory():
        code, message = run("import_responses", SLUG, str(path))
    assert code == 2 and "responses.xlsx" in message
    assert not Response.objects.exists()
