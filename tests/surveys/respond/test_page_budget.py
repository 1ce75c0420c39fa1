"""A section page's weight on a slow phone: HTML, CSS, JS and fonts, gzip-compressed as whitenoise
serves them (docs/accessibility.md, bench/README.md "Page weight").

First visit: the page and every stylesheet and script it links. Later pages: the HTML alone, the
hashed static files being cached for a year (config/settings/production.py). No script may
block rendering, and no web font is loaded (the system's fonts have Kazakh letters).
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import survey_2022_load

pytestmark = pytest.mark.django_db

SLUG = "civil-service-communication-2022"
FIRST_VISIT_BUDGET = 20_000  # bytes, compressed: welcome-to-section HTML + CSS + JS
LATER_PAGE_BUDGET = 11_000  # the biggest section page's HTML (two 4-row matrices), compressed
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="/static/([^"?]+)"')


def compressed(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def assets_of(html: str) -> list[str]:
    return ASSET.findall(html)


def asset_bytes(name: str) -> bytes:
    path = finders.find(name)
    assert path, name
    with open(path, "rb") as handle:
        return handle.read()


def section_pages(client: Client) -> list[str]:
    """Every section's page HTML, answered with the factory's valid answers, in order."""
    from surveys.selectors import survey_schema_get
    from tests.factories import answers_fill

    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    data = answers_fill(schema)
    reply = client.post(f"/s/{SLUG}/start/", follow=True)
    pages = []
    while True:
        html = reply.content.decode()
        pages.append(html)
        if 'value="submit"' in html:
            return pages
        posted = {k: v for k, v in data.items() if f'name="{k}"' in html}
        posted["action"] = "next"
        reply = client.post(reply.request["PATH_INFO"], posted, follow=True)
        assert 'id="error-summary"' not in reply.content.decode()


def test_a_section_page_stays_within_its_budget_on_first_visit_and_after():
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    pages = section_pages(client)
    assert len(pages) == 5
    first = pages[0]
    names = assets_of(first)
    assert any(n.endswith(".css") for n in names) and any(n.endswith(".js") for n in names)
    first_visit = compressed(first.encode()) + sum(compressed(asset_bytes(n)) for n in names)
    later = max(compressed(p.encode()) for p in pages)
    print(f"first visit {first_visit} B, later pages up to {later} B")
    assert first_visit <= FIRST_VISIT_BUDGET, first_visit
    assert later <= LATER_PAGE_BUDGET, later


def test_no_script_blocks_rendering_and_no_font_is_loaded():
    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    html = section_pages(client)[0]
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " defer" in tag or " async" in tag or 'type="module"' in tag, tag
    for name in assets_of(html):
        if name.endswith(".css"):
            css = asset_bytes(name).decode()
            assert "@font-face" not in css and "@import" not in css, name
    assert not re.search(r'\.(woff2?|ttf|otf)"', html)


def test_the_committed_bootstrap_subset_is_what_the_templates_need_today():
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "bench/css_subset.py", "--check"], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
