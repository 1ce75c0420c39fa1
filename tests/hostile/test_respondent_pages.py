"""Random and adversarial posts to every respondent page of the 2022 questionnaire.

Whatever arrives (unknown codes, one field posted many times, huge numbers, NUL bytes, formulas,
bodies that are not UTF-8 or not even a form), the site answers without a server error and the
response keeps only answers that pass every rule of the questionnaire.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import event, example, given
from hypothesis import strategies as st

from surveys.answers import OTHER_SUFFIX, wide_columns
from surveys.models import Response
from surveys.services import response_start
from surveys.validation import MESSAGES, response_validate
from tests.factories import answers_fill
from tests.hostile.conftest import hostile, hostile_text, stored_answers_check

SLUG = "civil-service-communication-2022"
JUNK_KEYS = (
    "gender.",
    "gender.other",
    "languages.klingon",
    "languages",
    "qualities.",
    "no_such_question",
    "a\x00b",
    "x" * 1000,
    "csrfmiddlewaretoken",
    "__proto__",
    "",
)
ACTIONS = ("next", "back", "submit", "save", "", "\x00", "next" * 100)


def client() -> Client:
    # A 500 must show up as a status to assert on, not as an exception in the test.
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="kk")


def page_url(response: Response, number: int) -> str:
    return reverse("surveys:page", args=[SLUG, response.key, number])


def page_keys(schema, number: int) -> list[str]:
    section = schema.sections[number - 1]
    return [k for k in wide_columns(schema) if k.partition(".")[0] in section.questions]


@st.composite
def page_post(draw, schema, number: int) -> list[tuple[str, str]]:
    """The pairs of one page's POST: the valid answers, each kept, dropped, spoilt or repeated,
    then stray fields, an action and at times a language switch."""
    valid = answers_fill(schema, **draw(overrides(schema)))
    codes = sorted({o.code for q in schema.questions.values() for o in q.options})
    pairs: list[tuple[str, str]] = []
    for key in page_keys(schema, number):
        values = valid.get(key)
        values = values if isinstance(values, list) else [] if values is None else [values]
        mode = draw(st.sampled_from(["keep", "keep", "drop", "spoil", "repeat", "codes"]))
        if mode == "drop":
            continue
        if mode == "spoil":
            values = draw(st.lists(hostile_text(), min_size=1, max_size=3))
        elif mode == "repeat":
            values = values * draw(st.integers(2, 40)) or [draw(hostile_text())] * 3
        elif mode == "codes":
            values = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=6))
        pairs.extend((key, str(v)) for v in values)
    others = [k for k in wide_columns(schema) if k not in page_keys(schema, number)]
    stray = st.tuples(st.sampled_from([*others, *JUNK_KEYS]), hostile_text())
    pairs.extend(draw(st.lists(stray, max_size=4)))
    pairs = draw(st.permutations(pairs))
    pairs.append(("action", draw(st.sampled_from(ACTIONS))))
    if draw(st.integers(0, 5)) == 0:
        pairs.append(("switch_language", draw(st.sampled_from(["kk", "ru", "en", "\x00"]))))
    return pairs


@st.composite
def overrides(draw, schema) -> dict[str, str]:
    """Answers that open the conditional questions either way, and "other" texts to attack."""
    chosen: dict[str, str] = {"body_level": draw(st.sampled_from(["central", "local"]))}
    for q in schema.questions.values():
        if q.other_option is not None and draw(st.booleans()):
            chosen[q.code] = q.other_option.code if q.type == "single" else [q.other_option.code]
            chosen[f"{q.code}.{OTHER_SUFFIX}"] = draw(hostile_text())
    return chosen


@pytest.mark.django_db
@hostile(max_examples=25)
@given(data=st.data())
def test_posted_pages_never_fail_and_keep_only_valid_answers(survey_2022, schema_2022, data):
    response = response_start(survey=survey_2022, language="kk")
    browser = client()
    for number in data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=2)):
        pairs = data.draw(page_post(schema_2022, number))
        body = urlencode(pairs)
        page = browser.post(
            page_url(response, number), body, content_type="application/x-www-form-urlencoded"
        )
        assert page.status_code < 500
    stored_answers_check(response=response, schema=schema_2022)
    event(f"answer rows stored: {min(response.answers.count(), 10) // 5 * 5}+")


@pytest.mark.django_db
@hostile(max_examples=12)
@given(data=st.data())
def test_a_whole_walk_with_hostile_other_texts_stores_a_valid_response(
    survey_2022, schema_2022, data
):
    chosen = data.draw(overrides(schema_2022))
    filled = answers_fill(schema_2022, **chosen)
    # Only "other" texts of questions shown: a hidden one is refused on its page, as it should.
    shown = schema_2022.visible_questions(
        response_validate(schema=schema_2022, data=filled, partial=True).answers
    )
    valid = {k: v for k, v in filled.items() if k.partition(".")[0] in shown}
    response = response_start(survey=survey_2022, language="ru")
    browser = client()
    for number in range(1, 6):
        pairs = [
            (key, str(v))
            for key in page_keys(schema_2022, number)
            if key in valid
            for v in (valid[key] if isinstance(valid[key], list) else [valid[key]])
        ]
        action = "submit" if number == 5 else "next"
        page = browser.post(page_url(response, number), {**dict_of(pairs), "action": action})
        assert page.status_code < 500
    stored_answers_check(response=response, schema=schema_2022)
    response.refresh_from_db()
    valid_whole = response_validate(schema=schema_2022, data=valid).is_valid
    assert (response.status == Response.Status.COMPLETE) == valid_whole


def dict_of(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=rot13",
    "application/x-www-form-urlencoded; charset=bogus",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data; boundary=xyz; charset=utf-16",
    "multipart/form-data",
    "application/json",
    "text/plain",
)


@st.composite
def raw_body(draw) -> bytes:
    """Form bodies that are not UTF-8, not well-formed, or not forms at all."""
    field = draw(st.sampled_from(["gender", "languages.kazakh", "years_of_service", "action"]))
    junk = draw(st.binary(max_size=200))
    return draw(
        st.sampled_from(
            [
                junk,
                field.encode() + b"=" + junk,
                field.encode() + b"=%FF%FE%ED%A0%80%C0%AF&action=next",
                b"gender=female\xff\xfe&action=next&gender=%00",
                b"years_of_service=" + b"9" * 5000 + b"&action=submit",
                b'--xyz\r\nContent-Disposition: form-data; name="'
                + field.encode()
                + b'"\r\n\r\n'
                + junk
                + b"\r\n--xyz--\r\n",
                b'--xyz\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\n\x00\r\n',
                b"&".join([b"gender=female"] * 1500),
            ]
        )
    )


@pytest.mark.django_db
@hostile(max_examples=40)
@given(
    number=st.integers(1, 5),
    body=raw_body(),
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_bodies_in_broken_encodings_get_an_answer_not_a_server_error(
    survey_2022, schema_2022, number, body, content_type
):
    response = response_start(survey=survey_2022, language="kk")
    page = client().generic("POST", page_url(response, number), body, content_type=content_type)
    assert page.status_code < 500
    stored_answers_check(response=response, schema=schema_2022)


@pytest.mark.django_db
@hostile(max_examples=30)
@given(
    query=st.lists(st.tuples(st.sampled_from(["check", "lang", "next", "a\x00"]), hostile_text())),
    token=hostile_text(),
    number=st.integers(0, 10**30),
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]),
)
# PostgreSQL refuses NUL in any query parameter, a lookup by token included.
@example(query=[("check", "1")], token="tok\x00en", number=10**30, method="GET")
def test_every_page_answers_any_method_query_and_address(
    survey_2022, schema_2022, query, token, number, method
):
    response = response_start(survey=survey_2022, language="kk")
    browser = client()
    suffix = "?" + urlencode(query)
    addresses = [
        reverse("surveys:welcome", args=[SLUG]),
        reverse("surveys:start", args=[SLUG]),
        reverse("surveys:resume", args=[SLUG, response.key]),
        reverse("surveys:resume", args=[SLUG, uuid.uuid4()]),
        reverse("surveys:thanks", args=[SLUG, response.key]),
        reverse("surveys:thanks", args=[SLUG]),
        f"/s/{SLUG}/r/{response.key}/{number}/",
        f"/s/{SLUG}/i/{quote(token, safe='')}/",
        f"/s/{quote(token, safe='')}/",
    ]
    for address in addresses:
        page = browser.generic(method, address + suffix)
        assert page.status_code < 500, address
    stored_answers_check(response=response, schema=schema_2022)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"understanding": "other", "understanding.other": "Жауап\x00"},
        {"understanding": "all\x00"},
    ],
    ids=["NUL in an other text", "NUL in an option code"],
)
def test_a_nul_in_an_answer_is_a_clear_error_on_the_page(survey_2022, schema_2022, fields):
    """PostgreSQL cannot store NUL: the page says so next to the question, nothing is stored."""
    response = response_start(survey=survey_2022, language="ru")
    browser = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="ru")

    page = browser.post(page_url(response, 2), {**fields, "action": "next"})

    assert page.status_code == 200
    with translation.override("ru"):
        message = str(MESSAGES["invalid_characters"])
    assert message in page.content.decode()
    assert not response.answers.filter(question__code="understanding").exists()
