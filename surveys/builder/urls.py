"""The questionnaire builder under /build/ (issue 6). Slugs "new" and "import" are reserved.

Edit pages end in `edit/` so that a code such as `add` or `reorder` never meets a fixed route."""

from django.urls import path

from surveys.builder.views import items, questions, sections, surveys

app_name = "builder"

_question = "<slug:slug>/q/<str:code>/"

urlpatterns = [
    path("", surveys.survey_list, name="list"),
    path("new/", surveys.survey_create, name="create"),
    path("<slug:slug>/", surveys.survey_edit, name="edit"),
    path("<slug:slug>/settings/", surveys.survey_settings, name="settings"),
    path("<slug:slug>/publish/", surveys.survey_publish, name="publish"),
    path("<slug:slug>/close/", surveys.survey_close, name="close"),
    path("<slug:slug>/reopen/", surveys.survey_reopen, name="reopen"),
    path("<slug:slug>/duplicate/", surveys.survey_duplicate, name="duplicate"),
    path("<slug:slug>/confirm/", surveys.translation_confirm, name="translation_confirm"),
    path("<slug:slug>/sections/add/", sections.section_add, name="section_add"),
    path("<slug:slug>/sections/reorder/", sections.sections_reorder, name="sections_reorder"),
    path("<slug:slug>/sections/<str:code>/edit/", sections.section_edit, name="section_edit"),
    path(
        "<slug:slug>/sections/<str:code>/condition/",
        sections.section_condition,
        name="section_condition",
    ),
    path("<slug:slug>/sections/<str:code>/delete/", sections.section_delete, name="section_delete"),
    path(
        "<slug:slug>/sections/<str:code>/questions/add/",
        questions.question_add,
        name="question_add",
    ),
    path(
        "<slug:slug>/sections/<str:code>/questions/reorder/",
        questions.questions_reorder,
        name="questions_reorder",
    ),
    path(_question, questions.question_edit, name="question_edit"),
    path(f"{_question}condition/", questions.question_condition, name="question_condition"),
    path(f"{_question}delete/", questions.question_delete, name="question_delete"),
    path(f"{_question}options/add/", items.item_add, {"kind": "option"}, name="option_add"),
    path(
        f"{_question}options/reorder/",
        items.items_reorder,
        {"kind": "option"},
        name="options_reorder",
    ),
    path(
        f"{_question}options/<str:item>/edit/",
        items.item_edit,
        {"kind": "option"},
        name="option_edit",
    ),
    path(
        f"{_question}options/<str:item>/delete/",
        items.item_delete,
        {"kind": "option"},
        name="option_delete",
    ),
    path(f"{_question}rows/add/", items.item_add, {"kind": "row"}, name="row_add"),
    path(f"{_question}rows/reorder/", items.items_reorder, {"kind": "row"}, name="rows_reorder"),
    path(f"{_question}rows/<str:item>/edit/", items.item_edit, {"kind": "row"}, name="row_edit"),
    path(
        f"{_question}rows/<str:item>/delete/",
        items.item_delete,
        {"kind": "row"},
        name="row_delete",
    ),
    path(f"{_question}scale/", items.scale_label_set, name="scale_label_set"),
    path(f"{_question}scale/delete/", items.scale_label_delete, name="scale_label_delete"),
]
