"""Where a respondent's page request goes: cProfile over GETs and POSTs of a section page.

    python bench/profile_page.py [--section 3] [--repeats 30] [--top 25]

The test settings on a throwaway SQLite database with the 2022 questionnaire; a Django test
client starts a response and answers the sections before `--section`, then GETs that section's
page and POSTs it back with an error (so it renders again) `--repeats` times each, under cProfile.
Prints the mean time per request and the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    parser.add_argument("--flow", action="store_true", help="profile complete submissions")
    parser.add_argument("--get-only", action="store_true", help="profile the GETs alone")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/db.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from surveys.selectors import survey_schema_get
    from tests.factories import answers_fill, survey_2022_load

    survey = survey_2022_load()
    data = answers_fill(survey_schema_get(survey=survey))
    # Not setup_test_environment(): its instrumented template render would skew the profile.
    client = Client(HTTP_ACCEPT_LANGUAGE="ru", SERVER_NAME="localhost")
    if args.flow:
        flow_profile(survey.slug, data, args)
        return
    reply = client.post(f"/s/{survey.slug}/start/", follow=True)
    for _ in range(args.section - 1):
        html = reply.content.decode()
        posted = {k: v for k, v in data.items() if f'name="{k}"' in html}
        reply = client.post(reply.request["PATH_INFO"], {**posted, "action": "next"}, follow=True)
    path = reply.request["PATH_INFO"]
    html = reply.content.decode()
    posted = {k: v for k, v in data.items() if f'name="{k}"' in html}
    wrong = dict(posted, action="next")
    wrong.pop(next(iter(posted)))  # a required answer missing: the page comes back
    for _ in range(3):  # warm caches (templates, schema) as a running server has them
        client.get(path)
        client.post(path, wrong)
    cpu = {"GET": 0.0, "refused POST": 0.0}
    for _ in range(args.repeats):
        started = time.process_time()
        client.get(path)
        cpu["GET"] += time.process_time() - started
        started = time.process_time()
        client.post(path, wrong)
        cpu["refused POST"] += time.process_time() - started
    print(
        f"section {args.section}: "
        + ", ".join(f"{k} {v / args.repeats * 1000:.2f} ms CPU" for k, v in cpu.items())
        + " (not profiled)"
    )
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.repeats):
        assert client.get(path).status_code == 200
        if not args.get_only:
            assert client.post(path, wrong).status_code == 200
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{path}: {elapsed / (2 * args.repeats) * 1000:.1f} ms per request (profiled)")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


def submission(slug: str, data: dict) -> int:
    """One respondent from the welcome page to the thank-you page; returns the request count."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="kk", SERVER_NAME="localhost")
    client.get(f"/s/{slug}/")
    reply = client.post(f"/s/{slug}/start/", follow=True)
    requests = 1 + 1 + len(reply.redirect_chain)
    while True:
        html = reply.content.decode()
        posted = {k: v for k, v in data.items() if f'name="{k}"' in html}
        action = "submit" if 'value="submit"' in html else "next"
        reply = client.post(reply.request["PATH_INFO"], {**posted, "action": action}, follow=True)
        requests += 1 + len(reply.redirect_chain)
        if action == "submit":
            return requests


def flow_profile(slug: str, data: dict, args: argparse.Namespace) -> None:
    for _ in range(2):
        submission(slug, data)
    # CPU time of this process: the wall clock on a shared machine (and SQLite's fsync at each
    # commit) would measure the neighbours and the disk, not this code.
    started, cpu = time.perf_counter(), time.process_time()
    requests = sum(submission(slug, data) for _ in range(args.repeats))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{requests / args.repeats:.0f} requests per submission, "
          f"{cpu / requests * 1000:.2f} ms CPU per request "
          f"({elapsed / requests * 1000:.1f} ms wall, not profiled)")  # fmt: skip
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.repeats):
        submission(slug, data)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
