"""The admin as a researcher uses it: questionnaire editing, import-export, read-only responses."""

from __future__ import annotations

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.roles import RESEARCHER, RESULTS_ADMIN
from surveys.admin.resources import OptionResource, QuestionResource
from surveys.builder.selectors import survey_parity_get
from surveys.models import Option, Question, Response, Survey, TextChange
from surveys.services import response_create
from tests.surveys.admin_support import (
    VALID_ANSWERS,
    form_data,
    in_language,
    question_of,
    ru,
    staff_client,
)

pytestmark = pytest.mark.django_db
IN_CONDITION = (
    "An option of “%(question)s” is used in the display condition of “%(target)s”; "
    "change that condition first."
)
NARROWED = (
    "The question “%(question)s” has answers; its scale, bounds and choice limits can only "
    "be widened."
)


def test_researcher_browses_the_questionnaire(researcher, mini_survey):
    changelist = researcher.get("/admin/surveys/survey/")
    assert changelist.status_code == 200
    assert "mini" in changelist.text and "Мини-анкета" in changelist.text

    change = researcher.get(f"/admin/surveys/survey/{mini_survey.pk}/change/")
    assert change.status_code == 200
    assert 'name="sections-0-code"' in change.text
    level = question_of(mini_survey, "level")
    assert f"/admin/surveys/question/{level.pk}/change/" in change.text  # the question's link

    question = researcher.get(f"/admin/surveys/question/{level.pk}/change/")
    assert question.status_code == 200
    assert 'name="options-0-code"' in question.text and 'value="central"' in question.text
    matrix = researcher.get(
        f"/admin/surveys/question/{question_of(mini_survey, 'channels').pk}/change/"
    )
    assert 'name="rows-0-code"' in matrix.text and 'name="scale_labels-0-value"' in matrix.text


def test_researcher_adds_an_option_inline(researcher, mini_survey):
    level = question_of(mini_survey, "level")
    url = f"/admin/surveys/question/{level.pk}/change/"
    data = form_data(researcher.get(url))
    data.update(
        {
            "options-TOTAL_FORMS": "3",
            "options-2-position": "3",
            "options-2-code": "regional",
            "options-2-label_kk": "Облыстық",
            "options-2-label_ru": "Областной",
            "_save": "Save",
        }
    )

    response = researcher.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert list(level.options.values_list("code", flat=True)) == ["central", "local", "regional"]


def test_second_other_option_is_rejected(researcher, mini_survey):
    body = question_of(mini_survey, "body")
    url = f"/admin/surveys/question/{body.pk}/change/"
    data = form_data(researcher.get(url))
    data["options-0-is_other"] = "on"  # "other" is already the second option

    response = researcher.post(url, data)

    assert response.status_code == 200
    # The builder's own rule refuses the row, before the inline's count of "other" options.
    assert ru("At most one option of a question can be “other”.") in response.text
    assert body.options.filter(is_other=True).count() == 1


def test_condition_on_two_questions_is_rejected(researcher, mini_survey):
    years = question_of(mini_survey, "years")
    url = f"/admin/surveys/question/{years.pk}/change/"
    data = form_data(researcher.get(url))
    central = Option.objects.get(question__code="level", code="central")
    finance = Option.objects.get(question__code="body", code="finance")
    data["show_if_options"] = [str(central.pk), str(finance.pk)]

    response = researcher.post(url, data)

    assert response.status_code == 200
    assert ru("Choose options of one question only.") in response.text
    assert not years.show_if_options.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", ["Выйти", "Администрирование сайта"]), ("kk", ["Шығу", "Сайт әкімшілігі"])],
)
def test_admin_index_speaks_the_chosen_language(researcher, language, words):
    response = in_language(researcher, language).get("/admin/")

    assert f'<html lang="{language}"' in response.text
    for word in words:
        assert word in response.text
    assert "Saualnama" in response.text
    assert f'name="language" value="{language}"' in response.text  # the switch is there


@pytest.mark.parametrize(("language", "save"), [("ru", "Сохранить"), ("kk", "Сақтау")])
def test_question_page_speaks_the_chosen_language(researcher, mini_survey, language, save):
    level = question_of(mini_survey, "level")

    response = in_language(researcher, language).get(f"/admin/surveys/question/{level.pk}/change/")

    assert f'<html lang="{language}"' in response.text
    assert f'value="{save}"' in response.text


def test_language_switch_posts_to_set_language(researcher):
    response = researcher.post("/i18n/setlang/", {"language": "kk", "next": "/admin/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/"
    assert '<html lang="kk"' in response.text and "Шығу" in response.text

    response = researcher.post("/i18n/setlang/", {"language": "ru", "next": "/admin/"}, follow=True)
    assert '<html lang="ru"' in response.text and "Выйти" in response.text


def test_staff_without_a_role_is_refused(mini_survey):
    client = staff_client("nobody")

    assert client.get("/admin/surveys/survey/").status_code == 403
    assert client.get("/admin/surveys/option/export/").status_code == 403


@pytest.fixture
def stored_response(mini_survey) -> Response:
    return response_create(survey=mini_survey, data=VALID_ANSWERS, language="kk", source="web")


def test_responses_are_browsed_read_only(researcher, stored_response):
    url = f"/admin/surveys/response/{stored_response.pk}/change/"

    page = researcher.get(url)

    assert page.status_code == 200
    assert "barriers" in page.text and "language" in page.text  # the answer rows are shown
    assert 'name="answers-0-value_text"' not in page.text  # ...but not as form fields
    assert researcher.get("/admin/surveys/response/add/").status_code == 403
    assert researcher.post(url, {"language": "ru"}).status_code == 403
    delete = researcher.post(
        f"/admin/surveys/response/{stored_response.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Response.objects.filter(pk=stored_response.pk).exists()


def test_only_a_superuser_deletes_a_response(stored_response):
    admin_user = get_user_model().objects.create_superuser("root", password="pw-123456")
    client = Client()
    client.force_login(admin_user)

    assert client.get("/admin/surveys/response/add/").status_code == 403
    url = f"/admin/surveys/response/{stored_response.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Response.objects.filter(pk=stored_response.pk).exists()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(survey: Survey, n: int) -> None:
    """Add `n` surveys with questions, options and responses, and `n` questions to `survey`."""
    section = survey.sections.first()
    for i in range(n):
        Question.objects.create(
            survey=survey,
            section=section,
            position=100 + i,
            code=f"extra{i}",
            type="short_text",
            text_kk="Т",
            text_ru="Т",
            required=False,
        )
        other = Survey.objects.create(slug=f"s{i}", title_kk=f"С{i}", title_ru=f"С{i}")
        other_section = other.sections.create(code="a", title_kk="А", title_ru="А")
        q = other.questions.create(
            section=other_section, code="q", type="single", text_kk="Т", text_ru="Т"
        )
        q.options.create(code="a", label_kk="А", label_ru="А")
        response_create(survey=survey, data=VALID_ANSWERS, language="ru", source="web")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/surveys/survey/",
        "/admin/surveys/section/",
        "/admin/surveys/question/",
        "/admin/surveys/option/",
        "/admin/surveys/response/",
        "/admin/surveys/survey/{survey}/change/",
        "/admin/surveys/response/{response}/change/",
    ],
)
def test_admin_pages_query_count_does_not_grow(researcher, mini_survey, stored_response, url):
    url = url.format(survey=mini_survey.pk, response=stored_response.pk)
    researcher.get(url)  # warm the per-process caches (content types) first
    before = _queries(researcher, url)

    _grow(mini_survey, 12)

    assert _queries(researcher, url) == before


# The builder's rules hold in the admin: it writes structure through the builder's services.


def _post_question(client: Client, question: Question, **changes: str):
    url = f"/admin/surveys/question/{question.pk}/change/"
    return client.post(url, form_data(client.get(url)) | changes)


def test_admin_refuses_recoding_an_answered_question(researcher, stored_response):
    level = question_of(stored_response.survey, "level")

    response = _post_question(researcher, level, code="position")

    assert response.status_code == 200
    assert (
        ru("The question “%(question)s” has answers; its code cannot change.", question="level")
        in response.text
    )
    assert Question.objects.filter(pk=level.pk, code="level").exists()
    assert not TextChange.objects.exists()


def test_admin_refuses_changing_an_answered_questions_type(researcher, stored_response):
    level = question_of(stored_response.survey, "level")

    response = _post_question(researcher, level, type="multiple")

    assert response.status_code == 200
    assert (
        ru("The question “%(question)s” has answers; its type cannot change.", question="level")
        in response.text
    )
    level.refresh_from_db()
    assert level.type == "single"


def test_admin_refuses_narrowing_an_answered_scale(researcher, stored_response):
    general = question_of(stored_response.survey, "general")

    narrowed = _post_question(researcher, general, scale_max="4")
    blank = _post_question(researcher, general, scale_max="")

    assert ru(NARROWED, question="general") in narrowed.text
    assert ru("A scale needs a whole-number minimum below its maximum.") in blank.text
    general.refresh_from_db()
    assert general.scale_max == 5


def test_admin_refuses_recoding_a_chosen_option(researcher, stored_response):
    level = question_of(stored_response.survey, "level")
    url = f"/admin/surveys/question/{level.pk}/change/"
    data = form_data(researcher.get(url))
    assert data["options-1-code"] == "local"  # chosen in the stored response

    response = researcher.post(url, data | {"options-1-code": "municipal"})

    assert response.status_code == 200
    message = "The option “%(option)s” of “%(question)s” has been chosen; its code cannot change."
    assert ru(message, option="local", question="level") in response.text
    assert list(level.options.values_list("code", flat=True)) == ["central", "local"]


def test_admin_refuses_deleting_options_in_use_or_an_answered_question(researcher, stored_response):
    level = question_of(stored_response.survey, "level")
    url = f"/admin/surveys/question/{level.pk}/change/"
    data = form_data(researcher.get(url))

    in_condition = researcher.post(url, data | {"options-0-DELETE": "on"})  # central: see body
    chosen = researcher.post(url, data | {"options-1-DELETE": "on"})  # local: answered
    page = researcher.post(
        f"/admin/surveys/question/{level.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert in_condition.status_code == chosen.status_code == 200
    assert ru(IN_CONDITION, question="level", target="body") in in_condition.text
    assert page.status_code == 200  # Django's own refusal: answers protect the question
    assert list(level.options.values_list("code", flat=True)) == ["central", "local"]
    assert Question.objects.filter(pk=level.pk).exists()


def test_admin_deletes_as_the_builder_does(researcher, mini_survey):
    level, years = question_of(mini_survey, "level"), question_of(mini_survey, "years")

    refused = researcher.post(
        f"/admin/surveys/question/{level.pk}/delete/", {"post": "yes"}, follow=True
    )
    in_bulk = researcher.post(
        "/admin/surveys/question/",
        {"action": "delete_selected", "_selected_action": [level.pk, years.pk], "post": "yes"},
        follow=True,
    )
    deleted = researcher.post(f"/admin/surveys/question/{years.pk}/delete/", {"post": "yes"})

    assert ru(IN_CONDITION, question="level", target="body") in refused.text
    assert ru(IN_CONDITION, question="level", target="body") in in_bulk.text
    assert deleted.status_code == 302
    assert list(
        mini_survey.questions.filter(code__in=["level", "years"]).values_list("code", flat=True)
    ) == ["level"]


def test_admin_wording_fix_is_saved_and_recorded(researcher, stored_response):
    level = question_of(stored_response.survey, "level")
    old = level.text_ru
    url = f"/admin/surveys/question/{level.pk}/change/"
    data = form_data(researcher.get(url))

    response = researcher.post(
        url, data | {"text_ru": "Уровень госоргана", "options-1-label_ru": "Местный орган"}
    )

    assert response.status_code == 302
    level.refresh_from_db()
    assert level.text_ru == "Уровень госоргана"
    fixes = {
        (c.kind, c.field, c.language): (c.old, c.new, c.wording_fix, c.user.username)
        for c in TextChange.objects.filter(survey=stored_response.survey)
    }
    local = level.options.get(code="local")
    assert fixes == {
        ("question", "text", "ru"): (old, "Уровень госоргана", True, "rita"),
        ("option", "label", "ru"): (data["options-1-label_ru"], "Местный орган", True, "rita"),
    }
    assert local.label_ru == "Местный орган"


def test_admin_publishing_needs_both_languages(researcher, mini_survey):
    Survey.objects.filter(pk=mini_survey.pk).update(status="draft")
    Question.objects.filter(survey=mini_survey, code="years").update(text_ru="")
    url = f"/admin/surveys/survey/{mini_survey.pk}/change/"

    response = researcher.post(url, form_data(researcher.get(url)) | {"status": "open"})

    assert response.status_code == 200
    with translation.override("ru"):
        (item,) = [i for i in survey_parity_get(survey=mini_survey).items if i.missing]
        where = item.where
    assert ru("%(where)s: the Russian text is missing.", where=where) in response.text
    assert Survey.objects.get(pk=mini_survey.pk).status == "draft"


def test_admin_publishes_and_closes_through_the_lifecycle(researcher, mini_survey):
    Survey.objects.filter(pk=mini_survey.pk).update(status="draft")
    url = f"/admin/surveys/survey/{mini_survey.pk}/change/"

    opened = researcher.post(url, form_data(researcher.get(url)) | {"status": "open"})
    status_after_open = Survey.objects.get(pk=mini_survey.pk).status
    back = researcher.post(url, form_data(researcher.get(url)) | {"status": "draft"})

    assert opened.status_code == 302 and status_after_open == "open"
    assert back.status_code == 200
    assert ru("A survey goes from draft to open, and between open and closed only.") in back.text
    assert Survey.objects.get(pk=mini_survey.pk).status == "open"


def test_text_changes_are_read_only_for_superusers(researcher, stored_response):
    level = question_of(stored_response.survey, "level")
    assert _post_question(researcher, level, text_ru="Уровень госоргана").status_code == 302
    change = TextChange.objects.get()
    root = get_user_model().objects.create_superuser("root", password="pw-123456")
    client = Client()
    client.force_login(root)

    listing = client.get("/admin/surveys/textchange/")
    page = client.get(f"/admin/surveys/textchange/{change.pk}/change/")

    assert listing.status_code == 200 and "Уровень госоргана" not in listing.text
    assert page.status_code == 200 and "Уровень госоргана" in page.text
    assert 'name="_save"' not in page.text
    assert client.get("/admin/surveys/textchange/add/").status_code == 403
    assert (
        client.post(f"/admin/surveys/textchange/{change.pk}/change/", {"new": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/surveys/textchange/{change.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert TextChange.objects.get().new == "Уровень госоргана"
    assert researcher.get("/admin/surveys/textchange/").status_code == 403


def _rows(resource: type, code: str, **changes: str) -> tablib.Dataset:
    """The exported rows of `resource`, with the row of `code` changed."""
    rows = resource().export().dict
    for row in rows:
        if row["code"] == code:
            row.update(changes)
    return tablib.Dataset(*[list(row.values()) for row in rows], headers=list(rows[0]))


def test_import_refuses_narrowing_an_answered_question(stored_response):
    with translation.override("ru"):
        result = QuestionResource().import_data(
            _rows(QuestionResource, "general", scale_max="4"), dry_run=False
        )

    (invalid,) = result.invalid_rows
    assert invalid.field_specific_errors == {"scale_max": [ru(NARROWED, question="general")]}
    assert question_of(stored_response.survey, "general").scale_max == 5


def test_import_refuses_making_a_chosen_option_other(stored_response):
    message = (
        "The option “%(option)s” of “%(question)s” has been chosen; whether it asks for text "
        "cannot change."
    )
    with translation.override("ru"):
        result = OptionResource().import_data(
            _rows(OptionResource, "local", is_other="1"), dry_run=False
        )

    (invalid,) = result.invalid_rows
    assert invalid.field_specific_errors == {
        "is_other": [ru(message, option="local", question="level")]
    }
    assert not Option.objects.get(question__code="level", code="local").is_other


def test_import_records_a_wording_fix(stored_response):
    level = question_of(stored_response.survey, "level")
    old = level.text_ru

    result = QuestionResource().import_data(
        _rows(QuestionResource, "level", text_ru="Уровень госоргана"), dry_run=False
    )

    assert not result.has_errors() and not result.has_validation_errors()
    change = TextChange.objects.get()
    assert (change.kind, change.object_id, change.field, change.language) == (
        "question",
        level.pk,
        "text",
        "ru",
    )
    assert (change.old, change.new, change.wording_fix) == (old, "Уровень госоргана", True)


def test_researcher_builds_a_survey_in_the_admin(researcher):
    created = researcher.post(
        "/admin/surveys/survey/add/",
        {
            "slug": "wave",
            "status": "draft",
            "default_language": "kk",
            "access": "open",
            "min_cell_size": "5",
            "title_kk": "Толқын",
            "title_ru": "Волна",
            "sections-TOTAL_FORMS": "0",
            "sections-INITIAL_FORMS": "0",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
    )
    assert created.status_code == 302, created.context["errors"]
    survey = Survey.objects.get(slug="wave")
    section = researcher.post(
        "/admin/surveys/section/add/",
        {"survey": survey.pk, "position": "1", "code": "a", "title_kk": "А", "title_ru": "А"},
    )
    assert section.status_code == 302, section.context["errors"]
    question = researcher.post(
        "/admin/surveys/question/add/",
        {
            "survey": survey.pk,
            "section": survey.sections.get().pk,
            "position": "1",
            "code": "q1",
            "type": "short_text",
            "required": "on",
            "widget": "radio",
            "text_kk": "Сұрақ",
            "text_ru": "Вопрос",
            **{
                f"{p}-{k}": "0"
                for p in ("options", "rows", "scale_labels")
                for k in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )
    assert question.status_code == 302, question.context["errors"]
    reserved = researcher.post(
        f"/admin/surveys/survey/{survey.pk}/change/",
        form_data(researcher.get(f"/admin/surveys/survey/{survey.pk}/change/")) | {"slug": "new"},
    )

    assert survey.owner.username == "rita"
    assert list(survey.questions.values_list("code", "text_ru")) == [("q1", "Вопрос")]
    assert (
        ru("“%(slug)s” is reserved by the builder; choose another slug.", slug="new")
        in reserved.text
    )
    assert Survey.objects.filter(slug="wave").exists()


def test_admin_keeps_an_open_survey_complete(researcher, mini_survey):
    level = question_of(mini_survey, "level")

    # Help in Russian only: the model allows it, an open survey's full check does not.
    response = _post_question(researcher, level, help_kk="", help_ru="Подсказка")

    assert response.status_code == 200
    message = (
        "The survey is open, so every change must leave it complete in both languages; close "
        "it to make larger changes."
    )
    assert ru(message) in response.text
    assert question_of(mini_survey, "level").help_ru == level.help_ru


def test_survey_page_question_rows_keep_the_lock(researcher, stored_response):
    url = f"/admin/surveys/survey/{stored_response.survey.pk}/change/"
    data = form_data(researcher.get(url))
    row = next(k for k, v in data.items() if k.startswith("questions-") and v == "level")

    response = researcher.post(url, data | {row: "position"})

    assert response.status_code == 200
    message = "The question “%(question)s” has answers; its code cannot change."
    assert ru(message, question="level") in response.text
    assert stored_response.survey.questions.filter(code="level").exists()


def _admin_export(client: Client, fmt: str) -> bytes:
    fields = ("survey", "question", "position", "code", "label_kk", "label_ru")
    data = {"format": {"csv": "0", "xlsx": "1"}[fmt], "resource": "0"}
    data.update({f"optionresource_{name}": "on" for name in fields})
    response = client.post("/admin/surveys/option/export/", data)
    assert response.status_code == 200
    return response.content


def test_admin_option_export_keeps_a_formula_looking_label_as_text(researcher, mini_survey):
    option = Option.objects.filter(question__survey=mini_survey).first()
    option.label_ru = '=HYPERLINK("http://x","y")'
    option.save(update_fields=["label_ru"])

    text = _admin_export(researcher, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text

    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_admin_export(researcher, "xlsx")))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == option.label_ru]
    assert cells and all(c.data_type == "s" for c in cells)


# Add and change pages list only what the user may edit: no other researcher's survey, section,
# question or option appears as a choice, a preset value or an autocomplete result.

MINI_TEXTS = ("Центральный", "Орталық", "Первый раздел", "mini/one", "level=central")


@pytest.fixture
def stranger(mini_survey, researcher) -> tuple[Client, Survey]:
    """Another researcher ("sam") with a survey of his own; the mini survey is rita's."""
    client = staff_client("sam", RESEARCHER)
    own = Survey.objects.create(
        slug="own",
        title_kk="Өз",
        title_ru="Своя",
        owner=get_user_model().objects.get(username="sam"),
    )
    section = own.sections.create(position=1, code="s1", title_kk="Б", title_ru="Р")
    pick = own.questions.create(
        section=section, position=1, code="pick", type="single", text_kk="Т", text_ru="Т"
    )
    pick.options.create(position=1, code="yes", label_kk="Иә", label_ru="Да")
    own.questions.create(
        section=section, position=2, code="after", type="short_text", text_kk="Т", text_ru="Т"
    )
    return client, own


def _survey_of(obj: object) -> int | None:
    """The survey a questionnaire object belongs to; None for anything else (users...)."""
    if isinstance(obj, Survey):
        return obj.pk
    if isinstance(obj, Option):
        return obj.question.survey_id
    return getattr(obj, "survey_id", None)


def _choices(page) -> dict[str, set[int | None]]:
    """Every choice list of the page's form and inlines: field -> the surveys of its objects."""
    forms_ = [("", page.context["adminform"].form)]
    for inline in page.context["inline_admin_formsets"]:
        forms_.append((inline.formset.prefix + "-", inline.formset.empty_form))
    found: dict[str, set[int | None]] = {}
    for prefix, form in forms_:
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            # An inline row's hidden primary key offers no choice; its value is the row's own.
            if queryset is not None and not field.widget.is_hidden:
                found[prefix + name] = {_survey_of(obj) for obj in queryset}
    return found


PAGES = (
    "/admin/surveys/survey/add/",
    "/admin/surveys/survey/{own}/change/",
    "/admin/surveys/section/add/",
    "/admin/surveys/section/add/?survey={mini}",
    "/admin/surveys/section/{own_section}/change/",
    "/admin/surveys/question/add/",
    "/admin/surveys/question/add/?survey={mini}",
    "/admin/surveys/question/add/?survey={own}",
    "/admin/surveys/question/add/?survey={mini}&section={mini_section}",
    "/admin/surveys/question/{own_question}/change/",
    "/admin/surveys/question/{own_after}/change/",
    "/admin/surveys/option/add/",
    "/admin/surveys/option/add/?question={mini_question}",
    "/admin/surveys/option/{own_option}/change/",
)


@pytest.mark.parametrize("template", PAGES)
def test_admin_pages_offer_only_the_users_own_surveys(stranger, mini_survey, template):
    client, own = stranger
    ids = {
        "own": own.pk,
        "mini": mini_survey.pk,
        "own_section": own.sections.get().pk,
        "mini_section": mini_survey.sections.get(code="one").pk,
        "own_question": own.questions.get(code="pick").pk,
        "own_after": own.questions.get(code="after").pk,
        "mini_question": question_of(mini_survey, "level").pk,
        "own_option": Option.objects.get(question__survey=own).pk,
    }

    page = client.get(template.format(**ids))

    assert page.status_code == 200
    for field, surveys in _choices(page).items():
        assert surveys <= {own.pk, None}, field
    for text in MINI_TEXTS:
        assert text not in page.text
    # A preset question shows neither as a chosen option nor as a raw id's label and link.
    assert f'<option value="{ids["mini_question"]}" selected>' not in page.text
    assert (
        f"/question/{ids['mini_question']}/change/" not in page.text and ">level<" not in page.text
    )


def test_the_owner_still_gets_the_preset_question_and_its_conditions(researcher, mini_survey):
    level = question_of(mini_survey, "level")

    option = researcher.get(f"/admin/surveys/option/add/?question={level.pk}")
    question = researcher.get(f"/admin/surveys/question/add/?survey={mini_survey.pk}")

    assert f'<option value="{level.pk}" selected>' in option.text
    conditions = question.context["adminform"].form.fields["show_if_options"].queryset
    assert {str(o) for o in conditions} >= {"level=central", "level=local"}


def test_posting_another_researchers_survey_shows_none_of_it(stranger, mini_survey):
    client, own = stranger
    data = {
        "survey": mini_survey.pk,
        "section": mini_survey.sections.get(code="one").pk,
        "position": "9",
        "code": "sneak",
        "type": "short_text",
        "widget": "radio",
        "text_kk": "Т",
        "text_ru": "Т",
        **{
            f"{p}-{k}": "0"
            for p in ("options", "rows", "scale_labels")
            for k in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }

    page = client.post("/admin/surveys/question/add/", data)

    assert page.status_code == 200 and not mini_survey.questions.filter(code="sneak").exists()
    for field, surveys in _choices(page).items():
        assert surveys <= {own.pk, None}, field
    for text in MINI_TEXTS:
        assert text not in page.text


@pytest.mark.parametrize(("user", "sees_mini"), [("sam", False), ("rita", True)])
def test_the_question_autocomplete_is_scoped(stranger, mini_survey, user, sees_mini):
    client = stranger[0] if user == "sam" else None
    if client is None:
        client = Client()
        client.force_login(get_user_model().objects.get(username="rita"))
    url = "/admin/autocomplete/?app_label=surveys&model_name=option&field_name=question&term="

    response = client.get(url)

    assert response.status_code == 200
    ids = {int(row["id"]) for row in response.json()["results"]}
    questions = Question.objects.filter(pk__in=ids)
    assert questions.exists()
    assert {q.survey.slug for q in questions} == ({"mini"} if sees_mini else {"own"})


def test_the_autocomplete_refuses_a_results_admin(mini_survey):
    client = staff_client("ana", RESULTS_ADMIN)
    url = "/admin/autocomplete/?app_label=surveys&model_name=option&field_name=question&term="

    assert client.get(url).status_code == 403
