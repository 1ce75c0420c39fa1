"""Run every benchmark and print issue 18's targets as ratios to floors measured in the same run.

`make bench`, or `python bench/run.py --sizes 10000,100000`; `make bench QUICK=1` (`--quick`) runs
them all at 10k only, once, and must stay under 5 minutes.

Issue 18's targets, each as ours / a floor measured in the same run, at every size of `--sizes`
(10k, 100k, 1M): for each size generate (or reuse) its database, then
- all tables against the one-pass SQL floor in 2 x 2 x 2 cases (bench_tables.py: filtered or
  not, weighted or not, exact or perturbed; the weights computed once per database);
- at `--export-sizes`, the CSV, XLSX and .sav exports against a COPY, with their peak memory
  (bench_export.py, each in a child process);
- at `--interactive-sizes` (default: the largest size, 1M), the results page of an unchanged
  survey and a new filter's snapshot (bench_interactive.py);
then at `--api-sizes` every response paged through the API against the CSV export
(bench_api.py, on the size's bench database when this run generated it), and a complete web
submission under gunicorn (issue 7; bench_submit.py). Each step is a process of its own, so that
Django is pointed at the right database and memory is measured per export. Ends with one table of
every ratio (summary.py), the detailed tables and the run's duration, then drops bench databases
above --drop-above-gb.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import bench_api
import bench_export
import bench_interactive
import bench_submit
import bench_tables
from common import (
    SIZES,
    database_exists,
    database_name,
    database_size_bytes,
    machine,
    pg_connect,
)
from summary import summary

HERE = Path(__file__).resolve().parent


def sizes_parse(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def step(script: str, *args: str) -> tuple[int, list[dict]]:
    """Run one bench script, echoing its output; its exit code and RESULT records."""
    command = [sys.executable, str(HERE / script), *args]
    print(f"\n$ {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    results = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout or ():
            if line.startswith("RESULT "):
                results.append(json.loads(line.split(" ", 2)[2]))
            else:
                print(line, end="", flush=True)
    print(f"[{script}: {time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f}]")
    return process.returncode, results


def disk_report() -> str:
    with pg_connect(autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    try:
        usage = shutil.disk_usage(row[0] if row else "/")
    except OSError:
        return "data directory not visible from here"
    return f"{usage.free / 1e9:.0f} GB free of {usage.total / 1e9:.0f} GB"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    every = list(SIZES)
    parser.add_argument("--sizes", type=sizes_parse, default=every)
    parser.add_argument("--export-sizes", type=sizes_parse, default=every)
    parser.add_argument("--no-csv", action="store_true", help="skip the CSV export")
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX export")
    parser.add_argument("--no-sav", action="store_true", help="skip the .sav export")
    parser.add_argument("--interactive-sizes", type=sizes_parse,
                        help="results page and a new filter's snapshot (default: the largest "
                             "of --sizes)")  # fmt: skip
    parser.add_argument("--no-interactive", action="store_true")
    parser.add_argument("--requests", type=int, default=20, help="timed results page GETs")
    parser.add_argument("--no-tables", action="store_true", help="skip the all-tables bench")
    parser.add_argument("--per-question", action="store_true", help="issue 7's tables floor too")
    parser.add_argument("--no-submit", action="store_true", help="skip the web submission bench")
    parser.add_argument("--api-sizes", type=sizes_parse,
                        help="responses paged through the API (default: --sizes)")  # fmt: skip
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
        help="10k responses only, every benchmark once: a check in under 5 minutes",
    )
    args = parser.parse_args()
    if args.api_sizes is None:
        args.api_sizes = args.sizes
    if args.interactive_sizes is None:
        args.interactive_sizes = [max(args.sizes)] if args.sizes else []
    if args.quick:
        args.sizes = args.export_sizes = args.api_sizes = args.interactive_sizes = [10_000]
        args.repeats, args.submit_responses, args.requests = 1, 10, 10
    return args


def main() -> None:
    args = arguments()
    started_run = time.perf_counter()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Saualnama benchmarks, {now}{' (quick)' if args.quick else ''}")
    for key, value in machine().items():
        print(f"  {key}: {value}")
    print(f"  disk (PostgreSQL data directory): {disk_report()}")
    print(f"  load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    tables: list[dict] = []
    exports: list[dict] = []
    interactive: list[dict] = []
    failed: list[str] = []
    generated: set[int] = set()
    formats = [f for f in ("csv", "xlsx", "sav") if not getattr(args, f"no_{f}")]
    for size in args.sizes:
        started = time.perf_counter()
        code, _ = step("generate.py", "--size", str(size))
        if code:
            failed.append(f"generate {size} (exit {code})")
            continue
        generated.add(size)
        print(f"  ready in {time.perf_counter() - started:.0f} s")
        if not args.no_tables:
            extra = [*(["--profile"] if args.profile else []),
                     *(["--per-question"] if args.per_question else [])]  # fmt: skip
            code, results = step("bench_tables.py", "--size", str(size), "--repeats",
                                 str(args.repeats), *extra)  # fmt: skip
            tables += results
            if code:
                failed.append(f"tables {size} (exit {code})")
        if size in args.export_sizes and formats:
            code, results = step("bench_export.py", "--size", str(size),
                                 *([] if "csv" in formats else ["--no-csv"]),
                                 *(f"--{f}" for f in formats if f != "csv"))  # fmt: skip
            exports += results
            if code:
                failed.append(f"export {size} (exit {code})")
        if size in args.interactive_sizes and not args.no_interactive:
            code, results = step("bench_interactive.py", "--size", str(size), "--requests",
                                 str(args.requests), "--repeats", str(args.repeats))  # fmt: skip
            interactive += results
            if code:
                failed.append(f"interactive {size} (exit {code})")

    apis: list[dict] = []
    for size in [] if args.no_api else args.api_sizes:
        # On the size's bench database when this run has it ready: no second copy of the data.
        database = ["--database", database_name(size)] if size in generated else []
        quick = ["--no-api-export"] if args.quick else []
        code, results = step("bench_api.py", "--size", str(size), *database, *quick)
        apis += results
        if code:
            failed.append(f"api {size} (exit {code})")

    submits: list[dict] = []
    if not args.no_submit:
        floors = ["--floor", "100"] if args.quick else []
        code, submits = step("bench_submit.py", "--responses", str(args.submit_responses), *floors)
        if code:
            failed.append(f"submit (exit {code})")

    print(f"\n## Every target against its floor, measured in this run ({now})\n")
    machine_line = machine()
    print(f"Machine: {machine_line['cpu']}, {machine_line['memory']} RAM; "
          f"PostgreSQL {machine_line['postgresql']}\n")  # fmt: skip
    print(summary(tables=tables, exports=exports, apis=apis, interactive=interactive,
                  submits=submits))  # fmt: skip
    if tables:
        print("\n## All tables against the one-pass SQL floor (target: within 1.2x)\n")
        print(bench_tables.report(tables))
    if exports:
        print("\n## Exports against a COPY (CSV 1.5x, XLSX 3x, .sav 2x; under 300 MB)\n")
        print(bench_export.report(exports))
    if apis:
        print("\n## All responses paged through the API, against the CSV export (within 2x)\n")
        print(bench_api.report(apis))
    if interactive:
        print("\n## Interactive: the results page (< 100 ms), a new filter's snapshot (< 10 s)\n")
        print(bench_interactive.report(interactive))
    if submits:
        print("\n## A complete web submission against the floor view (issue 7: within 3x)\n")
        print(bench_submit.report(submits))
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
    duration = time.perf_counter() - started_run
    line = f"\nThis run took {duration / 60:.1f} min ({duration:.0f} s)"
    if args.quick:
        line += f"; target for --quick: under 5 min: {'pass' if duration < 300 else 'FAIL'}"
    print(line + f"; load average at the end: {os.getloadavg()[0]:.1f}.")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
