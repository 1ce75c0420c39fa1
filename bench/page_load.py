"""A respondent's page on a slow mobile connection: bytes transferred and load time.

    python bench/page_load.py [--repeats 3]

Chromium's network emulation (CDP Network.emulateNetworkConditions: 400 kbit/s down and up,
400 ms latency) on a gunicorn serving the site as in production: static files hashed and
precompressed by `collectstatic`, served by whitenoise with a year's cache; HTML gzipped (the
reverse proxy's job, here Django's GZipMiddleware). Two visits, each from an empty cache:
the welcome page (first visit: HTML, CSS, JS), then "Start" to the first section (later pages:
the HTML alone, CSS and JS from the cache). Run twice: with the respondent's Bootstrap subset
(static/css/respondent.css, bench/css_subset.py) and with the full Bootstrap in its place
("before"). A throwaway SQLite database and STATIC_ROOT in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import port_free  # noqa: E402

QUESTIONNAIRE = ROOT / "surveys" / "questionnaires" / "civil-service-communication-2022.yaml"
SLUG = "civil-service-communication-2022"
KBIT = 400
LATENCY_MS = 400
CHROMIUM = "/usr/bin/chromium"


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def serve(before: bool, work: Path) -> tuple[subprocess.Popen, str]:
    static_root = work / ("static-before" if before else "static-after")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.page_settings", "PYTHONPATH": str(ROOT),
           "BENCH_STATIC_ROOT": str(static_root), "BENCH_DB": str(work / "db.sqlite3")}  # fmt: skip
    if before:
        from config.settings.base import _bootstrap_dir

        override = work / "override"
        (override / "css").mkdir(parents=True, exist_ok=True)
        full = (_bootstrap_dir() / "css" / "bootstrap.min.css").read_text()
        # Its source map is not copied along, and the manifest storage would look for it.
        full = full.replace("/*# sourceMappingURL=bootstrap.min.css.map */", "")
        (override / "css" / "respondent.css").write_text(full)
        env["BENCH_CSS_OVERRIDE"] = str(override)
    if not (work / "db.sqlite3").exists():
        manage(env, "migrate", "--noinput")
        manage(env, "load_questionnaire", str(QUESTIONNAIRE))
    manage(env, "collectstatic", "--noinput")
    port = port_free()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/", timeout=5)
            return process, base
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.terminate()
                raise SystemExit("gunicorn did not answer") from None
            time.sleep(0.2)


def visit(browser, base: str) -> dict[str, float]:
    """One respondent from an empty cache: the welcome page, then Start to section 1."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_MS,
        "downloadThroughput": KBIT * 1000 / 8, "uploadThroughput": KBIT * 1000 / 8,
    })  # fmt: skip
    transferred: list[int] = []
    caching: dict[str, str] = {}

    def finished(request) -> None:
        sizes = request.sizes()
        transferred.append(sizes["responseBodySize"] + sizes["responseHeadersSize"])

    page.on("requestfinished", finished)
    page.on(
        "response",
        lambda r: caching.setdefault(r.url.rsplit("/", 1)[-1], r.headers.get("cache-control", "")),
    )
    started = time.perf_counter()
    page.goto(f"{base}/s/{SLUG}/", wait_until="load")
    first_s = time.perf_counter() - started
    first_bytes = sum(transferred)
    transferred.clear()
    started = time.perf_counter()
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/start/'] button[type=submit]").click()
    later_s = time.perf_counter() - started
    later_bytes = sum(transferred)
    assert page.locator("#survey-page").count() == 1
    context.close()
    static = {name: value for name, value in caching.items() if name.endswith((".css", ".js"))}
    # Hashed names, cached for a year: the later pages fetch none of them.
    assert static and all("immutable" in value for value in static.values()), static
    return {"first_s": first_s, "first_bytes": first_bytes, "later_s": later_s,
            "later_bytes": later_bytes, "caching": static}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for before in (True, False):
            process, base = serve(before, Path(folder))
            try:
                runs = [visit(browser, base) for _ in range(args.repeats)]
                caching = runs[0]["caching"]
            finally:
                process.terminate()
                process.wait(10)
            rows.append((
                "full Bootstrap (before)" if before else "respondent subset (after)",
                runs[0]["first_bytes"], statistics.median(r["first_s"] for r in runs),
                runs[0]["later_bytes"], statistics.median(r["later_s"] for r in runs),
            ))  # fmt: skip
        browser.close()
    print(f"{KBIT} kbit/s, {LATENCY_MS} ms latency, median of {args.repeats}; {caching}")
    print("| CSS | first visit bytes | first visit load | next page bytes | next page load |")
    print("|---|---:|---:|---:|---:|")
    for name, fb, fs, lb, ls in rows:
        print(f"| {name} | {fb:,} | {fs:.2f} s | {lb:,} | {ls:.2f} s |")


if __name__ == "__main__":
    main()
