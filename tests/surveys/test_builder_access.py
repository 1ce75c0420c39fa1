import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from accounts.models import SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from surveys.builder_access import builder_required, builder_survey_get

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
