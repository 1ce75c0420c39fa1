"""A real Chromium driven by Playwright against pytest-django's live server.

The browser is the system's /usr/bin/chromium; nothing is ever downloaded. Without it (or without
playwright) the tests skip with the reason, and under CI=true the root conftest fails the run.
Every test leaves a screenshot of its last page under test-results/<test name>/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
RESULTS = Path(__file__).resolve().parent.parent.parent / "test-results"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def async_unsafe_orm() -> Iterator[None]:
    """Let the tests' own ORM calls run next to Playwright's event loop, in this package only.

    Playwright's sync API runs an event loop in this thread, which trips Django's async-safety
    check on every ORM call made by the test itself; the calls are in fact synchronous. The
    variable is restored afterwards: left set, it leaks into later tests (and their subprocesses,
    where `check --deploy` rightly fails on it).
    """
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="package")
def browser(async_unsafe_orm: None) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (python) is not importable")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """test-results/<test name>/, created empty for this test."""
    folder = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture
def page(browser, artifacts: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        # The last page is kept whether the test passed or failed.
        try:
            page.screenshot(path=str(artifacts / "final.png"), full_page=True)
        finally:
            context.close()
