"""The table `make bench` prints first: every target of issue 18 as ours / floor, from the dict rows
the benchmarks return (their `RESULT` lines), with pass or FAIL and the load average of each row.
"""

from __future__ import annotations

from common import markdown_table

HEADER = ["benchmark", "case", "ours", "floor", "ours/floor", "target", "result", "also",
          "load avg"]  # fmt: skip


def _verdict(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def table_rows(tables: list[dict]) -> list[list[str]]:
    return [[f"all tables, {r['responses']:,}", r["case"], f"{r['ours']:.2f} s",
             f"{r['floor']:.2f} s one-pass SQL", f"{r['ratio']:.2f}x", f"≤ {r['target']:g}x",
             _verdict(r["pass"]), f"answered {r['answered']:.2f} s", f"{r['load']:.1f}"]
            for r in tables]  # fmt: skip


def export_rows(exports: list[dict]) -> list[list[str]]:
    return [[f"{r['format']} export, {r['responses']:,}",
             f"peak {r['peak_mb']:.0f} MB ({_verdict(r['memory_pass'])})", f"{r['seconds']:.1f} s",
             f"{r['floor']:.1f} s COPY", f"{r['ratio']:.2f}x", f"≤ {r['target']:g}x, < 300 MB",
             _verdict(r["pass"]), f"{r['file_mb']:.0f} MB file", f"{r['load']:.1f}"]
            for r in exports]  # fmt: skip


def api_rows(apis: list[dict]) -> list[list[str]]:
    rows = []
    for r in apis:
        api = r["api"]
        rows.append([f"API paging, {r['responses']:,}",
                     f"{api['pages']} pages of {r['page_size']}, peak {api['peak_mb']:.0f} MB",
                     f"{api['seconds']:.1f} s", f"{r['export']['seconds']:.1f} s CSV export",
                     f"{r['time_ratio']:.2f}x", f"≤ {r['target']:g}x", _verdict(r["pass"]),
                     f"{r['peak_ratio']:.1f}x the export's peak", f"{r['load']:.1f}"])  # fmt: skip
    return rows


def interactive_rows(interactive: list[dict]) -> list[list[str]]:
    rows = []
    for r in interactive:
        if r["kind"] == "page":
            rows.append([f"results page, {r['responses']:,}", f"{r['who']}, unchanged survey",
                         f"{r['median_ms']:.1f} ms", f"{r['floor_ms']:.1f} ms signed-in floor",
                         f"{r['ratio']:.1f}x", f"< {r['target_ms']:g} ms", _verdict(r["pass"]),
                         f"{r['queries']} queries, SQL {r.get('sql_ms', 0):.0f} ms, "
                         f"{r['bytes'] / 1000:.0f} kB",
                         f"{r['load']:.1f}"])  # fmt: skip
        else:
            rows.append([f"new filter's snapshot, {r['responses']:,}", r["case"],
                         f"{r['seconds']:.2f} s", f"{r['floor']:.2f} s one-pass SQL",
                         f"{r['ratio']:.1f}x", f"< {r['target_s']:g} s", _verdict(r["pass"]),
                         "compute_results as a worker", f"{r['load']:.1f}"])  # fmt: skip
    return rows


def submit_rows(submits: list[dict]) -> list[list[str]]:
    """Issue 7's web submission, kept in the run (not a target of issue 18)."""
    return [["complete web submission (issue 7)", r["mode"], f"{r['real']['mean']:.3f} s",
             f"{r['floor']['mean']:.4f} s floor insert", f"{r['ratio']:.0f}x", "≤ 3x",
             _verdict(r["pass"]), f"{r['per_request_ratio']:.1f}x per request",
             f"{r['load']:.1f}"] for r in submits]  # fmt: skip


def summary(
    *, tables: list[dict], exports: list[dict], apis: list[dict], interactive: list[dict],
    submits: list[dict],
) -> str:  # fmt: skip
    rows = (table_rows(tables) + export_rows(exports) + api_rows(apis)
            + interactive_rows(interactive) + submit_rows(submits))  # fmt: skip
    met = sum(row[6] == "pass" for row in rows)
    return markdown_table(HEADER, rows) + f"\n\n{met} of {len(rows)} targets met in this run."
