"""Load test: N concurrent respondents answer the 2022 questionnaire through gunicorn.

    python bench/load.py [--respondents 200] [--duration 60] [--database saualnama_load]

Each respondent is a browser of its own (cookies, CSRF token, redirects followed one by one): the
welcome page, "start", then every section page posted with valid answers generated from the
questionnaire (the seed generator's `ResponseFiller`), down to the thank-you page; then a new
respondent takes its place until the time is up. After the deadline no new page is asked for,
so respondents caught in the middle stay drafts. Then the database is checked: every thank-you
has exactly one complete response holding exactly the answers posted, every draft holds only
answers that were posted, no answer row is duplicated, and the server returned no 5xx.

The database is dropped and created again, migrated and loaded with the questionnaire (unless
`--reuse`). tests/reliability/test_load.py runs the same code, scaled down, on the test database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = ROOT / "surveys" / "questionnaires" / "civil-service-communication-2022.yaml"
SLUG = "civil-service-communication-2022"
PG = "postgres://postgres@127.0.0.1:5432"
REQUEST_TIMEOUT = 60.0  # seconds; a request that takes longer counts as failed
MAX_PAGES = 20  # a respondent never needs more; a loop would be a bug
SURVEY_FORM = re.compile(r'<form [^>]*id="survey-page"[^>]*>(.*?)</form>', re.S)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>")
NAME = re.compile(r'\bname="([^"]+)"')
TYPE = re.compile(r'\btype="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r"/r/([0-9a-f-]{36})/")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Run as a script, the repository is on the path only from here on.
from bench.load_check import LoadResult, Respondent, database_check, report  # noqa: E402

# What the respondents post, generated and checked before the run (Django needed).


def answers_generate(*, schema: Any, count: int, seed: int = 7) -> list[dict[str, list[str]]]:
    """`count` valid complete answer sets, as form fields: wide key -> posted values."""
    from surveys.management.seed import ResponseFiller
    from surveys.validation import response_validate

    filler = ResponseFiller(schema=schema, rng=random.Random(seed))
    sets = []
    for number in range(count):
        data = filler.data(language="kk" if number % 2 else "ru")
        result = response_validate(schema=schema, data=data)
        if not result.is_valid:
            raise AssertionError(f"generated answers are invalid: {result.errors}")
        sets.append(
            {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in data.items()}
        )
    return sets


# The server.


def port_free() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    """Production-like Django (no debug, no query log) over plain HTTP on loopback."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
        # Every simulated respondent starts from 127.0.0.1: no start rate limit.
        "START_RATE_LIMIT": "0",
    }


@contextlib.contextmanager
def gunicorn_serve(
    *, database_url: str, redis_url: str = "", workers: int = 4, threads: int = 4, log: Path
) -> Iterator[str]:
    """gunicorn on a free loopback port, its output in `log`; yields its base URL, then stops it."""
    port = port_free()
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
    ]  # fmt: skip
    env = server_env(database_url=database_url, redis_url=redis_url)
    output = log.open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # four Django processes starting on a busy machine
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                httpx.get(base + "/", timeout=10)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 180 s") from None
                time.sleep(0.2)
        # Each worker imports the URL configuration on its first request: not part of the run.
        with ThreadPoolExecutor(workers * threads) as pool:
            list(
                pool.map(lambda _i: httpx.get(base + "/", timeout=60), range(workers * threads * 2))
            )
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


# The respondents.


class CutOff(Exception):
    """The time is up: this respondent asks for no further page."""


def _kind(method: str, path: str) -> str:
    if path.endswith("/start/"):
        return "start"
    if path.endswith("/thanks/"):
        return "thanks"
    if "/r/" not in path:
        return "welcome"
    if path.rstrip("/").split("/")[-1].isdigit():
        return "page POST" if method == "POST" else "page GET"
    return "resume"


class Browser:
    """One respondent's browser: its own cookies, each redirect followed and timed as a request."""

    def __init__(
        self, client: httpx.AsyncClient, samples: list, deadline: float, think: float = 0
    ) -> None:
        self.client, self.samples, self.deadline, self.think = client, samples, deadline, think

    async def read(self) -> None:
        """The time a respondent takes over a page: `think` seconds on average."""
        if self.think:
            await asyncio.sleep(self.think * random.uniform(0.5, 1.5))

    async def go(self, method: str, url: str, data: dict | None = None) -> httpx.Response:
        if time.monotonic() >= self.deadline:
            raise CutOff
        for _hop in range(6):
            kind = _kind(method, httpx.URL(url).path)
            started = time.perf_counter()
            try:
                reply = await self.client.request(method, url, data=data)
            except httpx.TransportError:
                self.samples.append((kind, 0, time.perf_counter() - started))
                raise
            self.samples.append((kind, reply.status_code, time.perf_counter() - started))
            if reply.status_code not in (301, 302, 303):
                return reply
            # A browser follows a redirect even once the deadline has passed.
            url, method, data = str(reply.url.join(reply.headers["location"])), "GET", None
        raise RuntimeError(f"too many redirects from {url}")


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def form_fields(html: str) -> tuple[set[str], set[str]]:
    """The survey form's field names, and those a browser sends even when left empty.

    Text boxes, number boxes, text areas and drop-downs are sent empty; unticked radio buttons
    and checkboxes are not sent at all.
    """
    found = SURVEY_FORM.search(html)
    if found is None:
        raise RuntimeError("no survey form on the page")
    names: set[str] = set()
    sent_empty: set[str] = set()
    for tag, attributes in FIELD.findall(found.group(1)):
        name = NAME.search(attributes)
        if name is None:
            continue
        names.add(name.group(1))
        kind = TYPE.search(attributes)
        if tag != "input" or (kind and kind.group(1) in ("text", "number")):
            sent_empty.add(name.group(1))
    return names, sent_empty


async def respondent_run(browser: Browser, slug: str, respondent: Respondent) -> None:
    welcome = await browser.go("GET", f"/s/{slug}/")
    reply = await browser.go(
        "POST", f"/s/{slug}/start/", {"csrfmiddlewaretoken": _csrf(welcome.text)}
    )
    for _page in range(MAX_PAGES):
        if found := KEY.search(reply.url.path):
            respondent.keys.add(found.group(1))
        if reply.url.path.endswith("/thanks/"):
            respondent.thanked = reply.status_code == 200
            return
        if reply.status_code != 200:
            respondent.problem = f"HTTP {reply.status_code} at {reply.url.path}"
            return
        html = reply.text
        names, sent_empty = form_fields(html)
        fields = {k: v for k, v in respondent.answers.items() if k in names}
        action = "submit" if 'name="action" value="submit"' in html else "next"
        empty = {name: [""] for name in sent_empty}
        posted = {**empty, **fields, "action": action, "csrfmiddlewaretoken": _csrf(html)}
        before = reply.url.path
        await browser.read()
        reply = await browser.go("POST", str(reply.url), posted)
        if reply.url.path == before:
            respondent.problem = f"valid answers refused at {before}"
            return
        respondent.saved.update(fields)
    respondent.problem = "more pages than any questionnaire has"


async def _seat(
    base: str,
    slug: str,
    pool: Iterator,
    respondents: list,
    samples: list,
    ends: tuple[float, float],
    think: float,
) -> None:
    """One seat of the crowd: respondent after respondent until the time is up."""
    last_start, deadline = ends
    # Browsers in both languages; any page posts the same codes.
    headers = {"Origin": base, "Accept-Language": random.choice(("kk", "ru"))}
    timeout = httpx.Timeout(REQUEST_TIMEOUT)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout) as client:
        while time.monotonic() < last_start:
            respondent = Respondent(answers=next(pool))
            respondents.append(respondent)
            client.cookies.clear()  # a new browser
            try:
                browser = Browser(client, samples, deadline, think)
                await respondent_run(browser, slug, respondent)
            except CutOff:
                pass
            except (httpx.HTTPError, RuntimeError) as error:
                respondent.problem = f"{type(error).__name__}: {error}"


async def load_run(
    *,
    base: str,
    slug: str,
    answers: list[dict[str, list[str]]],
    seats: int,
    duration: float,
    finish: float = 0,
    think: float = 0,
) -> LoadResult:
    """`seats` respondents at a time for `duration` seconds; then those still answering get
    `finish` more seconds to reach the end (0: they stop where they are, drafts). Each spends
    `think` seconds on a page on average before sending it (0: at once)."""
    from django.utils import timezone

    started_at = timezone.now()
    respondents: list[Respondent] = []
    samples: list[tuple[str, int, float]] = []
    pool = itertools.cycle(answers)  # an answer set may be given again: each is valid
    started = time.monotonic()
    ends = (started + duration, started + duration + finish)
    await asyncio.gather(
        *(_seat(base, slug, pool, respondents, samples, ends, think) for _ in range(seats))
    )
    return LoadResult(respondents, samples, time.monotonic() - started, started_at)


# The command line: a fresh database of its own, gunicorn, the crowd, the check.


def database_prepare(name: str, reuse: bool) -> str:
    import psycopg

    url = f"{PG}/{name}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = server_env(database_url=url, redis_url="")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    if not reuse or not exists:
        subprocess.run([*manage, "load_questionnaire", str(QUESTIONNAIRE)], env=env, check=True)
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=int, default=200, help="concurrent respondents")
    parser.add_argument("--duration", type=float, default=60, help="seconds")
    parser.add_argument("--database", default="saualnama_load")
    parser.add_argument("--reuse", action="store_true", help="keep the database's data")
    parser.add_argument(
        "--finish", type=float, default=0, help="seconds more for those still answering"
    )
    parser.add_argument("--think", type=float, default=0, help="mean seconds spent on a page")
    parser.add_argument(
        "--conn-max-age", type=int, default=0, help="gunicorn's CONN_MAX_AGE (0: Django's default)"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()

    url = database_prepare(args.database, args.reuse)
    os.environ.update(server_env(database_url=url, redis_url=args.redis_url))
    import django

    django.setup()
    from surveys.models import Survey
    from surveys.selectors import survey_schema_get

    survey = Survey.objects.get(slug=SLUG)
    answers = answers_generate(schema=survey_schema_get(survey=survey), count=1000)
    log = Path(tempfile.gettempdir()) / f"{args.database}-gunicorn.log"
    with gunicorn_serve(
        database_url=f"{url}?conn_max_age={args.conn_max_age}",
        redis_url=args.redis_url,
        workers=args.workers,
        threads=args.threads,
        log=log,
    ) as base:
        load = os.getloadavg()
        result = asyncio.run(
            load_run(
                base=base,
                slug=SLUG,
                answers=answers,
                seats=args.respondents,
                duration=args.duration,
                finish=args.finish,
                think=args.think,
            )
        )
        load_after = os.getloadavg()

    problems = database_check(survey=survey, result=result)
    print(
        f"{args.respondents} at a time for {args.duration:g} s (+{args.finish:g} s to finish), "
        f"{args.think:g} s per page; gunicorn {args.workers} workers x {args.threads} threads, "
        f"CONN_MAX_AGE {args.conn_max_age}"
    )
    print(report(result))
    print(
        f"\nload average (1 min) before {load[0]:.2f}, after {load_after[0]:.2f}; "
        f"nproc {os.cpu_count()}"
    )
    print(f"gunicorn's log: {log}")
    print("\ndatabase check: " + ("sound" if not problems else f"{len(problems)} problem(s)"))
    for problem in problems[:50]:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
