"""Uploaded files are checked for type, by name and by content, and for size, with a clear error."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook

from accounts.uploads import (
    MEGABYTE,
    SNIFF_BYTES,
    CheckedImportForm,
    row_characters_check,
    upload_check,
)
from surveys.admin.resources import QuestionResource

TABLES = {"csv", "xlsx"}
LIMIT = 10 * MEGABYTE
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
CSV_TEXT = "code,text_kk,text_ru\nregion,Өңір,Регион\n"
# Longer than the sniffed head, which ends in the middle of a two-byte letter.
LONG_CSV = ("code,x\n" + "Қазақстан\n" * 10_000).encode()


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active.append(["code", "text_kk", "text_ru"])
    book.active.append(["region", "Өңір", "Регион"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(name: str, content: bytes, *, allowed=TABLES, max_bytes=LIMIT) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        upload_check(
            file=SimpleUploadedFile(name, content), allowed=set(allowed), max_bytes=max_bytes
        )
    return caught.value


@pytest.mark.parametrize(
    "content",
    [
        CSV_TEXT.encode(),
        CSV_TEXT.encode("utf-8-sig"),  # Excel's "CSV UTF-8" starts with a byte-order mark
        LONG_CSV,
    ],
    ids=["utf-8", "utf-8 with BOM", "longer than the sniffed head"],
)
def test_a_real_csv_is_accepted(content):
    upload = SimpleUploadedFile("questions.CSV", content)
    upload_check(file=upload, allowed=TABLES, max_bytes=LIMIT)
    assert upload.read() == content, "the check leaves the file at its start"


def test_the_long_csv_really_cuts_a_letter_at_the_sniffed_head():
    with pytest.raises(UnicodeDecodeError):
        LONG_CSV[:SNIFF_BYTES].decode()


def test_a_real_xlsx_is_accepted():
    upload = SimpleUploadedFile("options.xlsx", xlsx_bytes())
    upload_check(file=upload, allowed=TABLES, max_bytes=LIMIT)
    assert upload.read(4) == b"PK\x03\x04"


def test_a_png_renamed_to_csv_is_refused():
    assert refusal("questions.csv", PNG).code == "encoding"


def test_a_png_renamed_to_xlsx_is_refused():
    assert refusal("questions.xlsx", PNG).code == "content"


def test_a_zip_that_is_not_a_workbook_is_refused_as_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert refusal("letter.xlsx", out.getvalue()).code == "content"


def test_a_binary_csv_is_refused():
    assert refusal("answers.csv", b"code,value\nregion,\x00\x01\x02\n").code == "content"


def test_a_csv_saved_in_windows_1251_is_refused_with_how_to_fix_it():
    error = refusal("answers.csv", "code,text\nregion,Регион\n".encode("cp1251"))
    assert error.code == "encoding"
    with translation.override("en"):
        assert "CSV UTF-8" in error.messages[0]


def test_another_type_is_refused_naming_the_types_allowed():
    error = refusal("notes.txt", b"plain text")
    assert error.code == "type"
    assert "CSV, XLSX" in error.messages[0] and "notes.txt" in error.messages[0]


def test_an_empty_file_is_refused():
    assert refusal("questions.csv", b"").code == "empty"


def test_a_file_over_the_limit_is_refused_naming_the_limit():
    error = refusal("questions.csv", b"a" * (2 * MEGABYTE + 1), max_bytes=2 * MEGABYTE)
    assert error.code == "too_big"
    with translation.override("en"):
        assert "up to 2 MB" in error.messages[0]


def test_a_fractional_limit_is_written_the_local_way():
    # Django has no Kazakh number formats yet, so only Russian shows the decimal comma.
    with translation.override("ru"):
        error = refusal("questions.csv", b"a" * (3 * MEGABYTE), max_bytes=int(2.5 * MEGABYTE))
        assert error.params["limit"] == "2,5"
        assert "2,5" in error.messages[0]


def import_form(name: str, content: bytes, formats=(CSV, XLSX)) -> CheckedImportForm:
    return CheckedImportForm(
        list(formats),
        [QuestionResource],
        data={"format": "0", "resource": "0"},
        files={"import_file": SimpleUploadedFile(name, content)},
    )


def test_the_admin_import_form_refuses_a_renamed_file():
    form = import_form("questions.xlsx", PNG)
    assert not form.is_valid()
    assert form.errors.as_data()["import_file"][0].code == "content"


def test_the_admin_import_form_accepts_csv_and_xlsx():
    assert import_form("questions.csv", CSV_TEXT.encode()).is_valid()
    assert import_form("questions.xlsx", xlsx_bytes()).is_valid()


def test_the_admin_import_form_allows_only_the_formats_the_admin_offers():
    form = import_form("questions.xlsx", xlsx_bytes(), formats=(CSV,))
    assert not form.is_valid()
    assert form.errors.as_data()["import_file"][0].code == "type"


def test_the_admin_import_form_applies_upload_max_bytes(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    form = import_form("questions.csv", b"code\n" + b"x\n" * 1024)
    assert not form.is_valid()
    assert form.errors.as_data()["import_file"][0].code == "too_big"


def test_an_imported_row_with_control_characters_is_refused_by_column():
    row = {"code": "ok", "label_kk": "a\x00b", "label_ru": "tab\tand\nline", "position": 3}
    with pytest.raises(ValidationError) as caught:
        row_characters_check(row)
    assert list(caught.value.message_dict) == ["label_kk"]


def test_an_imported_row_with_tabs_and_line_breaks_passes():
    row_characters_check({"label_kk": "бір\tекі\r\nүш", "position": 3, "blank": None})


def test_a_zip_listing_thousands_of_entries_is_refused_before_its_directory_is_parsed(
    monkeypatch,
):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(2000):
            archive.writestr(f"{n}.xml", b"")
    # zipfile.ZipFile() would build an object for each entry: it must not be reached.
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *a, **k: pytest.fail("ZipFile()"))
    assert refusal("questions.xlsx", out.getvalue()).code == "entries"


def test_a_workbook_whose_cells_repeat_one_long_text_is_refused_by_the_admin_form(settings):
    book = Workbook()
    for _n in range(20):
        book.active.append(["x" * 1000])
    out = io.BytesIO()
    book.save(out)
    settings.XLSX_MAX_TEXT_CHARS = 10_000
    form = import_form("questions.xlsx", out.getvalue())
    assert not form.is_valid()
    assert form.errors.as_data()["import_file"][0].code == "text"
