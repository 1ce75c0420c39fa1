"""The accessibility statement: one link from every page's footer, in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import survey_2022_load

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_statement_is_served_in_each_language(language):
    reply = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accessibility/")
    assert reply.status_code == 200
    html = reply.content.decode()
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        assert f'<h1 class="h3 mb-3">{gettext("Accessibility statement")}</h1>' in html


@pytest.mark.parametrize("path", ["/", "/s/civil-service-communication-2022/", "/accounts/login/"])
def test_every_footer_links_to_it(path):
    survey_2022_load()
    html = Client(HTTP_ACCEPT_LANGUAGE="ru").get(path).content.decode()
    footer = html[html.index("<footer") :]
    assert 'href="/accessibility/" id="accessibility-link"' in footer
