"""Run every benchmark: `make bench`, or `python bench/run.py --sizes 10000,100000`; `make bench
QUICK=1` (`--quick`) runs them all at 10k only, once, in a few minutes.

For each size: generate (or reuse) its database, time all tables against the SQL floor, and for
the export sizes time the wide CSV, XLSX and .sav exports with their peak memory; then a complete
web submission under gunicorn against a one-row floor view; then, at the API sizes, every response
paged through the API against the CSV export of the same survey (bench_api.py, on a database of
its own). Each step is a process of its own, so that Django is pointed at the right database and
memory is measured per export. Ends with one table of every ratio, the detailed tables, then drops
bench databases above --drop-above-gb.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import bench_api
import bench_export
import bench_submit
import bench_tables
from common import (
    SIZES,
    database_exists,
    database_name,
    database_size_bytes,
    machine,
    markdown_table,
    pg_connect,
)

HERE = Path(__file__).resolve().parent


def sizes_parse(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def step(script: str, *args: str) -> tuple[int, list[dict]]:
    """Run one bench script, echoing its output; its exit code and RESULT records."""
    command = [sys.executable, str(HERE / script), *args]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    results = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout or ():
            if line.startswith("RESULT "):
                results.append(json.loads(line.split(" ", 2)[2]))
            else:
                print(line, end="", flush=True)
    return process.returncode, results


def disk_report() -> str:
    with pg_connect(autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    try:
        usage = shutil.disk_usage(row[0] if row else "/")
    except OSError:
        return "data directory not visible from here"
    return f"{usage.free / 1e9:.0f} GB free of {usage.total / 1e9:.0f} GB"


def summary(tables: list[dict], submits: list[dict], exports: list[dict], apis: list[dict]) -> str:
    """One table: every measured figure as a ratio to the floor of the same run."""
    rows = []
    for r in tables:
        rows.append([f"all tables, {r['responses']:,}", r["case"], f"{r['ours']:.2f} s",
                     f"{r['floor']:.2f} s per-question SQL", f"{r['ratio']:.2f}x", "≤ 2x",
                     "pass" if r["pass"] else "FAIL",
                     f"{r['one_pass_ratio']:.1f}x one-pass SQL", f"{r['load']:.1f}"])  # fmt: skip
    for r in submits:
        rows.append(["complete web submission", r["mode"], f"{r['real']['mean']:.3f} s",
                     f"{r['floor']['mean']:.4f} s floor insert", f"{r['ratio']:.0f}x", "≤ 3x",
                     "pass" if r["pass"] else "FAIL",
                     f"{r['per_request_ratio']:.1f}x per request", f"{r['load']:.1f}"])  # fmt: skip
    for r in exports:
        rows.append([f"{r['format']} export, {r['responses']:,}", f"peak {r['peak_mb']:.0f} MB",
                     f"{r['seconds']:.1f} s", f"{r['floor']:.1f} s COPY", f"{r['ratio']:.1f}x",
                     "< 300 MB", "pass" if r["memory_pass"] else "FAIL",
                     f"{r['file_mb']:.0f} MB file", f"{r['load']:.1f}"])  # fmt: skip
    for r in apis:
        api = r["api"]
        rows.append([f"API, all responses, {r['responses']:,}",
                     f"{api['pages']} pages of {r['page_size']}, peak {api['peak_mb']:.0f} MB",
                     f"{api['seconds']:.1f} s", f"{r['export']['seconds']:.1f} s CSV export",
                     f"{r['time_ratio']:.1f}x", "none set", "-",
                     f"{r['peak_ratio']:.1f}x the export's peak", f"{r['load']:.1f}"])  # fmt: skip
    return markdown_table(
        ["benchmark", "case", "ours", "floor", "ours/floor", "target", "result", "also",
         "load avg"], rows
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_sizes = ",".join(str(size) for size in SIZES)
    parser.add_argument("--sizes", type=sizes_parse, default=sizes_parse(default_sizes))
    parser.add_argument("--export-sizes", type=sizes_parse, default=[100_000])
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX export")
    parser.add_argument("--no-sav", action="store_true", help="skip the .sav export")
    parser.add_argument("--no-submit", action="store_true", help="skip the web submission bench")
    parser.add_argument("--api-sizes", type=sizes_parse, default=[100_000],
                        help="responses paged through the API (its own database each)")  # fmt: skip
    parser.add_argument("--no-api", action="store_true", help="skip the API paging bench")
    parser.add_argument("--submit-responses", type=int, default=20, help="per mode")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the tables path too")
    parser.add_argument(
        "--drop-above-gb", type=float, default=5.0, help="drop larger bench databases (0: keep)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10k responses only, one repeat, 10 submissions a mode: a check in under 5 minutes",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes = args.export_sizes = args.api_sizes = [10_000]
        args.repeats, args.submit_responses = 1, 10

    print(f"Saualnama benchmarks, {date.today().isoformat()}{' (quick)' if args.quick else ''}")
    for key, value in machine().items():
        print(f"  {key}: {value}")
    print(f"  disk (PostgreSQL data directory): {disk_report()}")
    tables: list[dict] = []
    exports: list[dict] = []
    failed: list[str] = []
    for size in args.sizes:
        started = time.perf_counter()
        code, _ = step("generate.py", "--size", str(size))
        if code:
            failed.append(f"generate {size} (exit {code})")
            continue
        print(f"  ready in {time.perf_counter() - started:.0f} s")
        extra = ["--profile"] if args.profile else []
        code, results = step("bench_tables.py", "--size", str(size), "--repeats",
                             str(args.repeats), *extra)  # fmt: skip
        tables += results
        if code:
            failed.append(f"tables {size} (exit {code})")
        if size in args.export_sizes:
            code, results = step("bench_export.py", "--size", str(size),
                                 *([] if args.no_xlsx else ["--xlsx"]),
                                 *([] if args.no_sav else ["--sav"]))  # fmt: skip
            exports += results
            if code:
                failed.append(f"export {size} (exit {code})")

    submits: list[dict] = []
    if not args.no_submit:
        code, submits = step("bench_submit.py", "--responses", str(args.submit_responses))
        if code:
            failed.append(f"submit (exit {code})")

    apis: list[dict] = []
    for size in [] if args.no_api else args.api_sizes:
        code, results = step("bench_api.py", "--size", str(size))
        apis += results
        if code:
            failed.append(f"api {size} (exit {code})")

    print("\n## Every target against its floor, measured in this run\n")
    print(summary(tables, submits, exports, apis))
    print("\n## All tables against the SQL floor (target: within 2x)\n")
    print(bench_tables.report(tables))
    if submits:
        print("\n## A complete web submission against the floor view (target: within 3x)\n")
        print(bench_submit.report(submits))
    if exports:
        print("\n## Exports (target: peak memory under 300 MB)\n")
        print(bench_export.report(exports))
    if apis:
        print("\n## All responses paged through the API, against the CSV export\n")
        print(bench_api.report(apis))
    if failed:
        print("\nFailed: " + "; ".join(failed))
    if args.drop_above_gb:
        for size in args.sizes:
            if not database_exists(size):
                continue
            gigabytes = database_size_bytes(size) / 1e9
            if gigabytes > args.drop_above_gb:
                with pg_connect(autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE "{database_name(size)}" WITH (FORCE)')
                print(f"Dropped {database_name(size)} ({gigabytes:.1f} GB): the next run makes it.")
            else:
                print(f"Kept {database_name(size)} ({gigabytes:.1f} GB) for the next run.")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
