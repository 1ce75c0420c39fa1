"""Hostile files for every import: `manage.py import_responses` (CSV and XLSX) and the admin's
question, option and invitation imports.

Whatever the file holds (broken encodings, NUL bytes, unknown or repeated codes, huge numbers,
formulas, 20 MB), the import ends with a report or a refusal, never a server error or a traceback,
and whatever it stored passes the rules.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.models import Invitation
from accounts.roles import RESEARCHER
from accounts.uploads import CONTROL_CHARACTERS, SNIFF_BYTES
from surveys.admin.resources import question_errors
from surveys.answers import wide_columns
from surveys.models import Option, Question, Response, Survey
from tests.factories import answers_fill
from tests.hostile.conftest import NUMBERS, hostile, hostile_text, stored_answers_check
from tests.surveys.admin_support import staff_client

SLUG = "civil-service-communication-2022"
MEGABYTES_20 = 20 * 1024 * 1024


def run(*args: str) -> int:
    """The exit code of a command; any exception other than CommandError fails the test."""
    try:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode
    return 0


def new_responses(after: int):
    return Response.objects.filter(pk__gt=after).order_by("pk")


def last_response_id() -> int:
    return Response.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# manage.py import_responses ----------------------------------------------------------------------


@st.composite
def wide_table(draw, schema) -> list[list[str]]:
    """A header and rows of the wide format, each cell kept valid or spoilt."""
    columns = ["language", "submitted_at", *wide_columns(schema)]
    extra = draw(
        st.lists(st.sampled_from(["colour", "gender", "", "language", "x\x00"]), max_size=1)
    )
    header = [*columns, *extra]
    codes = sorted({o.code for q in schema.questions.values() for o in q.options})
    rows = []
    for _i in range(draw(st.integers(1, 4))):
        level = draw(st.sampled_from(["central", "local"]))
        valid = answers_fill(schema, body_level=level)
        cells = {"language": draw(st.sampled_from(["kk", "ru", "kk", "ru", "en", "", "kk\x00"]))}
        cells["submitted_at"] = draw(
            st.sampled_from(["", "2022-11-10T09:30:00+06:00", "9999-12-31T23:59:59-23:59", "1e400"])
        )
        for key, value in valid.items():
            cells[key] = " ".join(value) if isinstance(value, list) else str(value)
        # A few spoilt cells per row at most, so that many rows are valid and get stored.
        spoilt = draw(st.lists(st.sampled_from(header), max_size=3))
        row = []
        for column in header:
            value = cells.get(column, "")
            if column in spoilt:
                value = draw(
                    st.one_of(
                        hostile_text(),
                        st.sampled_from(NUMBERS),
                        st.lists(st.sampled_from(codes), min_size=1, max_size=5).map(" ".join),
                    )
                )
            row.append(value)
        rows.append(row)
    return [header, *rows]


def csv_bytes(table: list[list[str]], *, delimiter: str, encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(table)
    return out.getvalue().encode(encoding, errors="replace")


ENCODINGS = ("utf-8", "utf-8-sig", "cp1251", "utf-16")


@pytest.mark.django_db
@hostile(max_examples=30)
@given(
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from([*["utf-8"] * 5, *ENCODINGS]),
    damage=st.sampled_from([*[b""] * 8, b"\xff\xfe", b"\x00", b"\xed\xa0\x80", b'"unclosed']),
    options=st.sampled_from([[], ["--allow-partial"], ["--dry-run"]]),
)
def test_import_responses_reports_or_refuses_any_csv_and_stores_only_valid_responses(
    survey_2022, schema_2022, tmp_path, data, delimiter, encoding, damage, options
):
    table = data.draw(wide_table(schema_2022))
    content = csv_bytes(table, delimiter=delimiter, encoding=encoding)
    at = data.draw(st.integers(0, len(content)))
    path = tmp_path / "responses.csv"
    path.write_bytes(content[:at] + damage + content[at:])
    before = last_response_id()

    code = run("import_responses", SLUG, str(path), *options)

    assert code in (0, 1, 2)
    stored = list(new_responses(before))
    if code == 2 or "--dry-run" in options:
        assert stored == []
    partial = "--allow-partial" in options
    for response in stored:
        stored_answers_check(response=response, schema=schema_2022, partial=partial)
    event(f"exit code {code}, responses stored: {min(len(stored), 2)}")


def xlsx_value(text: str):
    """Spreadsheet values that are not text: numbers, huge ones, booleans, formulas."""
    return st.sampled_from(
        [text, 10**100, 1e308, -1.5, 3.0, True, float("inf"), "=1+1", '=HYPERLINK("x")']
    )


@pytest.mark.django_db
@hostile(max_examples=15)
@given(data=st.data())
def test_import_responses_reports_or_refuses_any_xlsx(survey_2022, schema_2022, tmp_path, data):
    header, *rows = data.draw(wide_table(schema_2022))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", name) for name in header])
    for row in rows:
        cells = []
        for text in row:
            value = data.draw(st.one_of(st.just(text), xlsx_value(text)))
            # openpyxl refuses to write control characters; the crafted files below have them.
            cells.append(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
        sheet.append(cells)
    path = tmp_path / "responses.xlsx"
    book.save(path)
    before = last_response_id()

    code = run("import_responses", SLUG, str(path), "--allow-partial")

    assert code in (0, 1, 2)
    for response in new_responses(before):
        stored_answers_check(response=response, schema=schema_2022, partial=True)


def crafted_xlsx(cell_xml: str) -> bytes:
    """A workbook whose first data cell is written by hand: what openpyxl would never write."""
    book = openpyxl.Workbook()
    book.active.append(["language", "gender"])
    book.active.append(["kk", "PLACEHOLDER"])
    raw = io.BytesIO()
    book.save(raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b'<c r="B2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>', cell_xml.encode()
                ).replace(b"PLACEHOLDER", cell_xml.encode())
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        crafted_xlsx('<c r="B2" t="inlineStr"><is><t>fe&#0;male</t></is></c>'),
        crafted_xlsx('<c r="B2" t="inlineStr"><is><t>female_x0000_</t></is></c>'),
        crafted_xlsx('<c r="B2" t="e"><v>#N/A</v></c>'),
        crafted_xlsx('<c r="B2"><v>1e400</v></c>'),
        crafted_xlsx('<c r="B2" t="n"><v>not a number</v></c>'),
        crafted_xlsx('<c r="B2" t="b"><v>2</v></c>'),
        crafted_xlsx('<c r="B2" t="d"><v>99999-99-99</v></c>'),
        b"PK\x03\x04" + os.urandom(2000),
        b"",
    ],
    ids=[
        "xml NUL",
        "escaped NUL",
        "error",
        "1e400",
        "bad number",
        "bad bool",
        "bad date",
        "broken zip",
        "empty",
    ],
)
def test_import_responses_refuses_or_reports_a_crafted_xlsx(
    survey_2022, schema_2022, tmp_path, content
):
    path = tmp_path / "responses.xlsx"
    path.write_bytes(content)
    before = last_response_id()

    assert run("import_responses", SLUG, str(path), "--allow-partial") in (1, 2)

    assert not new_responses(before).exists()


def big_file(name: str) -> bytes:
    if name == "one-huge-cell.csv":
        return b"language,gender\nkk," + b"x" * MEGABYTES_20 + b"\n"
    if name == "nul.csv":
        return b"language,gender\n" + b"\x00" * MEGABYTES_20
    return (b"PK\x03\x04" if name.endswith(".xlsx") else b"") + os.urandom(MEGABYTES_20)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["one-huge-cell.csv", "random.csv", "random.xlsx", "nul.csv"])
def test_import_responses_refuses_a_20_mb_file_without_storing(survey_2022, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(big_file(name))

    assert run("import_responses", SLUG, str(path)) in (1, 2)

    assert not Response.objects.exists()


# The admin's imports -----------------------------------------------------------------------------


@pytest.fixture
def owner(mini_survey) -> Client:
    """The mini survey's owner, a researcher who may import questions, options and invitations."""
    client = staff_client("rita", RESEARCHER)
    user = get_user_model().objects.get(username="rita")
    create_permissions(apps.get_app_config("accounts"), verbosity=0)
    codenames = ("view_invitation", "add_invitation", "change_invitation")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    Survey.objects.filter(pk=mini_survey.pk).update(owner=user)
    return client


IMPORTS = {
    "question": (
        "/admin/surveys/question/",
        [
            "survey",
            "section",
            "position",
            "code",
            "type",
            "required",
            "text_kk",
            "text_ru",
            "help_kk",
            "help_ru",
            "widget",
            "min_choices",
            "max_choices",
            "scale_min",
            "scale_max",
            "scale_na",
            "number_min",
            "number_max",
        ],
    ),
    "option": (
        "/admin/surveys/option/",
        [
            "survey",
            "question",
            "position",
            "code",
            "label_kk",
            "label_ru",
            "is_other",
            "is_exclusive",
        ],
    ),
    "invitation": (
        "/admin/accounts/invitation/",
        ["survey", "email", "external_id", "organisation", "region", "language"],
    ),
}
PLAUSIBLE = {
    "survey": ["mini", "mini", "mini", "other-survey", ""],
    "section": ["one", "two", "nosuch"],
    "question": ["level", "body", "barriers", "channels", "nosuch"],
    "type": ["single", "multiple", "short_text", "long_text", "number", "matrix", "rating", "x"],
    "widget": ["radio", "dropdown", "x"],
    "code": ["fresh", "fresh_two", "fresh_three", "level", "central", "Bad Code"],
    "email": ["a@example.kz", "b@example.kz", "not-an-email", ""],
    "language": ["kk", "ru", "en", ""],
    "required": ["0", "1", "true", "yes", "2"],
    "scale_na": ["0", "1"],
    "is_other": ["0", "1"],
    "is_exclusive": ["0", "1"],
}


@st.composite
def admin_table(draw, columns: list[str]) -> list[list[str]]:
    rows = []
    for _i in range(draw(st.integers(1, 4))):
        spoilt = draw(st.lists(st.sampled_from(columns), max_size=2))
        row = []
        for column in columns:
            plausible = st.sampled_from(PLAUSIBLE.get(column, ["1", "5", "Мәтін", "Текст"]))
            row.append(draw(hostile_text() if column in spoilt else plausible))
        rows.append(row)
    return [columns, *rows]


def xlsx_bytes(table: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in table:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def admin_import(client: Client, base: str, name: str, content: bytes, fmt: str):
    upload = SimpleUploadedFile(name, content)
    preview = client.post(f"{base}import/", {"resource": "0", "format": fmt, "import_file": upload})
    assert preview.status_code < 500
    confirm = preview.context and preview.context.get("confirm_form")
    if confirm:
        done = client.post(f"{base}process_import/", confirm.initial)
        assert done.status_code < 500
    return preview


def assert_imported_rows_valid() -> None:
    for model in (Question, Option, Invitation):
        for obj in model.objects.all():
            try:
                obj.full_clean()
            except ValidationError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{model.__name__} {obj.pk} stored invalid: {exc.message_dict}")
    for question in Question.objects.all():
        assert question_errors(question) == {}
    for option in Option.objects.select_related("question"):
        assert option.question.type in ("single", "multiple")
        assert not option.is_exclusive or option.question.type == "multiple"
    texts = [
        *Option.objects.values_list("code", "label_kk", "label_ru"),
        *Question.objects.values_list("code", "text_kk", "text_ru", "help_kk", "help_ru"),
        *Invitation.objects.values_list("email", "external_id", "organisation", "region"),
    ]
    assert not [t for t in texts if CONTROL_CHARACTERS.search("".join(t))]


@pytest.mark.django_db
@hostile(max_examples=30)
@given(
    data=st.data(),
    kind=st.sampled_from(sorted(IMPORTS)),
    fmt=st.sampled_from(["csv", "xlsx"]),
    encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1251"]),
)
def test_admin_imports_refuse_or_report_any_file_and_store_only_valid_rows(
    owner, mini_survey, data, kind, fmt, encoding
):
    base, columns = IMPORTS[kind]
    baseline = Question.objects.count() + Option.objects.count() + Invitation.objects.count()
    table = data.draw(admin_table(columns))
    if fmt == "csv":
        content = csv_bytes(table, delimiter=",", encoding=encoding)
    else:
        content = xlsx_bytes(table)
    admin_import(owner, base, f"{kind}.{fmt}", content, "0" if fmt == "csv" else "1")
    assert_imported_rows_valid()
    stored = Question.objects.count() + Option.objects.count() + Invitation.objects.count()
    event(f"{kind}: rows added" if stored > baseline else f"{kind}: nothing added")


CLEAN_ROWS = {
    "question": "mini,one,9,fresh,short_text,0,Т,Т",
    "option": "mini,level,9,fresh,Т,Т,0,0",
    "invitation": "mini,,e1,Org,,kk",
}
LATE_ROWS = {
    "question": "mini,one,10,later,short_text,0,{},Т",
    "option": "mini,level,10,later,{},Т,0,0",
    "invitation": "mini,,e2,{},,kk",
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(IMPORTS))
@pytest.mark.parametrize(
    "damage",
    [b"N\x00L", b"\xff\xfe"],
    ids=["NUL past the sniffed head", "broken UTF-8 past the sniffed head"],
)
def test_admin_imports_refuse_damage_past_the_sniffed_head(owner, mini_survey, kind, damage):
    """The upload check reads the first 64 KiB; what comes after is the importer's to refuse."""
    base, columns = IMPORTS[kind]
    # An extra column is ignored by the import: it only pushes the damage past the head.
    head = ",".join([*columns, "padding"]) + "\n" + CLEAN_ROWS[kind] + "," + "x" * SNIFF_BYTES
    late = LATE_ROWS[kind].encode().replace(b"{}", damage)
    content = head.encode() + b"\n" + late + b"\n"
    admin_import(owner, base, f"{kind}.csv", content, "0")
    assert_imported_rows_valid()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_admin_imports_refuse_a_20_mb_file_by_its_size(owner, kind):
    base, columns = IMPORTS[kind]
    content = (",".join(columns) + "\n").encode() + b"x" * MEGABYTES_20

    page = admin_import(owner, base, f"{kind}.csv", content, "0")

    assert page.status_code == 200
    assert page.context["form"].errors.as_data()["import_file"][0].code == "too_big"
