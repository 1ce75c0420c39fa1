import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from accounts.models import SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from surveys.builder.access import builder_required, builder_survey_get

pytestmark = pytest.mark.django_db


def _user(username: str, group: str | None = None, **extra):
    user = get_user_model().objects.create_user(username, password="pw-123456", **extra)
    if group:
        user.groups.add(roles_ensure()[group])
    return user


def _request(user):
    request = RequestFactory().get("/build/")
    request.user = user
    return request


@builder_required
def _view(request):
    return HttpResponse("built")


def test_anonymous_visitor_is_sent_to_sign_in():
    response = _view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_results_admin_is_refused_with_403():
    with pytest.raises(PermissionDenied):
        _view(_request(_user("ana", RESULTS_ADMIN)))


def test_user_without_a_role_is_refused_with_403():
    with pytest.raises(PermissionDenied):
        _view(_request(_user("nobody")))


def test_researcher_and_superuser_reach_the_view():
    assert _view(_request(_user("rita", RESEARCHER))).content == b"built"
    assert _view(_request(_user("root", is_superuser=True))).content == b"built"


def test_owner_gets_the_survey(mini_survey):
    rita = _user("rita", RESEARCHER)
    mini_survey.owner = rita
    mini_survey.save(update_fields=["owner"])
    assert builder_survey_get(request=_request(rita), slug="mini") == mini_survey


def test_another_researchers_survey_reads_as_missing(mini_survey):
    mini_survey.owner = _user("rita", RESEARCHER)
    mini_survey.save(update_fields=["owner"])
    with pytest.raises(Http404):
        builder_survey_get(request=_request(_user("olga", RESEARCHER)), slug="mini")


def test_researcher_share_may_edit_but_results_share_may_not(mini_survey):
    colleague, analyst = _user("olga", RESEARCHER), _user("ana", RESEARCHER)
    SurveyShare.objects.create(survey=mini_survey, user=colleague, role=SurveyShare.Role.RESEARCHER)
    SurveyShare.objects.create(
        survey=mini_survey, user=analyst, role=SurveyShare.Role.RESULTS_ADMIN
    )
    assert builder_survey_get(request=_request(colleague), slug="mini") == mini_survey
    with pytest.raises(Http404):
        builder_survey_get(request=_request(analyst), slug="mini")


def test_superuser_gets_any_survey_and_404_for_an_unknown_slug(mini_survey):
    root = _user("root", is_superuser=True)
    assert builder_survey_get(request=_request(root), slug="mini") == mini_survey
    with pytest.raises(Http404):
        builder_survey_get(request=_request(root), slug="absent")


def test_owner_who_lost_the_researcher_role_gets_404(mini_survey):
    mini_survey.owner = _user("former")
    mini_survey.save(update_fields=["owner"])
    with pytest.raises(Http404):
        builder_survey_get(request=_request(mini_survey.owner), slug="mini")


# Every builder URL, through the client: the rule above holds on each, for GET and for POST.

SURVEY_URLS = [
    ("edit", {}),
    ("settings", {}),
    ("publish", {}),
    ("close", {}),
    ("reopen", {}),
    ("duplicate", {}),
    ("translation_confirm", {}),
    ("section_add", {}),
    ("sections_reorder", {}),
    ("section_edit", {"code": "one"}),
    ("section_condition", {"code": "two"}),
    ("section_delete", {"code": "two"}),
    ("question_add", {"code": "one"}),
    ("questions_reorder", {"code": "one"}),
    ("question_edit", {"code": "level"}),
    ("question_condition", {"code": "body"}),
    ("question_delete", {"code": "comment"}),
    ("option_add", {"code": "level"}),
    ("options_reorder", {"code": "level"}),
    ("option_edit", {"code": "level", "item": "local"}),
    ("option_delete", {"code": "level", "item": "local"}),
    ("row_add", {"code": "channels"}),
    ("rows_reorder", {"code": "channels"}),
    ("row_edit", {"code": "channels", "item": "phone"}),
    ("row_delete", {"code": "channels", "item": "phone"}),
    ("scale_label_set", {"code": "channels"}),
    ("scale_label_delete", {"code": "channels"}),
]
# What a hostile POST carries: enough for any of the forms above to act, were it let through.
PAYLOAD = {
    "codes": ["two", "one"],
    "move": "one",
    "direction": "down",
    "slug": "stolen",
    "code": "stolen",
    "type": "short_text",
    "text_kk": "x",
    "text_ru": "x",
    "label_kk": "x",
    "label_ru": "x",
    "options": ["level:central"],
    "value": "1",
    **{
        f"{p}-{k}": "x"
        for p in ("section", "option", "row", "scale")
        for k in ("label_kk", "label_ru", "title_kk", "title_ru")
    },
    "section-code": "stolen",
    "option-code": "stolen",
    "row-code": "stolen",
    "scale-value": "2",
}


def _snapshot(survey):
    from surveys.formats.definitions import questionnaire_export

    survey.refresh_from_db()
    return questionnaire_export(survey=survey)


def _url(name, kwargs):
    from django.urls import reverse

    return reverse(f"builder:{name}", kwargs={"slug": "mini", **kwargs})


@pytest.fixture
def owned(mini_survey):
    mini_survey.owner = _user("rita", RESEARCHER)
    mini_survey.save(update_fields=["owner"])
    return mini_survey


def _client(user):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_another_researcher_gets_404_on_every_survey_url_and_changes_nothing(owned):
    before = _snapshot(owned)
    olga = _client(_user("olga", RESEARCHER))
    for name, kwargs in SURVEY_URLS:
        url = _url(name, kwargs)
        assert olga.get(url).status_code == 404, url
        assert olga.post(url, PAYLOAD).status_code == 404, url
    assert _snapshot(owned) == before


def test_a_results_admin_gets_403_everywhere_even_with_a_share(owned):
    from django.urls import reverse

    ana = _user("ana", RESULTS_ADMIN)
    SurveyShare.objects.create(survey=owned, user=ana, role=SurveyShare.Role.RESULTS_ADMIN)
    before = _snapshot(owned)
    client = _client(ana)
    urls = [reverse("builder:list"), reverse("builder:create")]
    urls += [_url(name, kwargs) for name, kwargs in SURVEY_URLS]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, PAYLOAD).status_code == 403, url
    assert _snapshot(owned) == before


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_url(owned):
    from django.urls import reverse

    before = _snapshot(owned)
    client = _client(None)
    urls = [reverse("builder:list"), reverse("builder:create")]
    urls += [_url(name, kwargs) for name, kwargs in SURVEY_URLS]
    for url in urls:
        for response in (client.get(url), client.post(url, PAYLOAD)):
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url
    assert _snapshot(owned) == before


def test_the_owner_reaches_every_page_and_a_post_only_url_refuses_get(owned):
    rita = _client(owned.owner)
    pages = {"edit", "duplicate", "section_edit", "section_delete", "question_add"}
    pages |= {"question_edit", "option_edit", "row_edit"}
    for name, kwargs in SURVEY_URLS:
        expected = 200 if name in pages else 405
        assert rita.get(_url(name, kwargs)).status_code == expected, name
