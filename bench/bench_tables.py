"""Time computing every results table against a floor of plain SQL, on one bench database.

    python bench/bench_tables.py --size 100000 [--profile]

Ours is the work of `snapshot_compute` without the snapshot row: `answer_counts_get` then
`results_tables_build`, with no filter and with the four western regions (k = min_cell_size).

The floor, measured in the same run, is plain SQL through raw psycopg: one
`SELECT option_id, row_id, value_int, count(*) ... GROUP BY 1, 2, 3` per closed question over the
same tables, summed; with the filter, the selected responses are first gathered into a temporary
table (counted). The target is ours within 2x of it. Next to it, a stronger reference: the same
counts in ONE GROUP BY over all closed questions, which is the least any path must read. Every
figure is the best of 3 runs after a warm-up; the load average is printed because the machine
may be shared.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time

from common import bench_survey, best_of, django_setup, markdown_table, pg_connect

TARGET = 2.0
JOIN = (
    "JOIN surveys_response r ON r.id = a.response_id "
    "AND r.status = 'complete' AND r.survey_id = %s "
)
REGION = (
    "AND EXISTS (SELECT 1 FROM surveys_answer f WHERE f.response_id = r.id "
    "AND f.question_id = %s AND f.option_id = ANY(%s)) "
)
# The brief's floor: one plain GROUP BY per closed question (with the filter, joined to the
# selected responses, gathered once into a temporary table: 43 EXISTS re-evaluations of the filter
# made that floor slower than ours).
PER_QUESTION = (
    "SELECT a.option_id, a.row_id, a.value_int, count(*) FROM surveys_answer a {join}"
    "WHERE a.question_id = %s GROUP BY 1, 2, 3"
)
# A stronger reference: the same counts in one pass over the answer rows.
ONE_PASS = (
    "SELECT a.question_id, a.option_id, a.row_id, a.value_int, count(*) FROM surveys_answer a "
    + JOIN
    + "{region}WHERE a.question_id = ANY(%s) GROUP BY 1, 2, 3, 4"
)


def floor_per_question(conn, survey_id: int, questions: list[int], region: tuple | None) -> None:
    with conn.cursor() as cursor:
        if region is None:
            sql = PER_QUESTION.format(join=JOIN)
            for question_id in questions:
                cursor.execute(sql, [survey_id, question_id], prepare=False).fetchall()
            return
        cursor.execute(
            "CREATE TEMP TABLE bench_selected AS SELECT r.id FROM surveys_response r "
            "WHERE r.status = 'complete' AND r.survey_id = %s " + REGION,
            [survey_id, *region],
        )
        cursor.execute("ANALYZE bench_selected")
        sql = PER_QUESTION.format(join="JOIN bench_selected s ON s.id = a.response_id ")
        for question_id in questions:
            cursor.execute(sql, [question_id], prepare=False).fetchall()
        cursor.execute("DROP TABLE bench_selected")


def floor_one_pass(conn, survey_id: int, questions: list[int], region: tuple | None) -> None:
    sql = ONE_PASS.format(region=REGION if region else "")
    conn.execute(sql, [survey_id, *(region or ()), questions], prepare=False).fetchall()


PYTHON = "Python: rows to DataFrame, pandas tables, ORM"
ANSWERED = "answered: distinct (response, question) pairs off the unique indexes"


def query_label(sql: str) -> str:
    text = sql.upper()
    if "UNION ALL" in text:
        return ANSWERED
    if "GROUP BY" in text:
        return "counts: GROUP BY question, option, row, value (closed and number questions)"
    if "COUNT(*) FROM (" in text:
        return "respondents: COUNT(*) of the selected responses"
    if "TEMPORARY" in text or "INSERT INTO" in text or text.startswith("ANALYZE"):
        return "selection: the filter evaluated once, into a temporary table"
    if text.startswith("DROP") or "SAVEPOINT" in text:
        return "selection: drop, savepoint"
    return sql[:60]


def ours_timed(run, repeats: int) -> tuple[float, dict[str, float]]:
    """Best of `repeats` after a warm-up, and where the best run went (query times as logged)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()
    best, parts = float("inf"), {}
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            run()
            seconds = time.perf_counter() - started
        if seconds < best:
            best = seconds
            parts = {}
            for query in captured.captured_queries:  # CREATE and INSERT share a label
                label = query_label(query["sql"])
                parts[label] = parts.get(label, 0.0) + float(query["time"])
    parts[PYTHON] = max(best - sum(parts.values()), 0.0)
    return best, parts


def bench(size: int, repeats: int, profile: bool) -> list[dict]:
    django_setup(size)
    from analytics.results import results_tables_build
    from analytics.selectors import CLOSED_TYPES, answer_counts_get, filters_normalize
    from surveys.management.seed import WEST_REGIONS
    from surveys.models import Response
    from surveys.selectors import survey_schema_get

    survey = bench_survey()
    schema = survey_schema_get(survey=survey)
    complete = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).count()
    closed = [q.id for q in schema.ordered_questions() if q.type in CLOSED_TYPES]
    west = filters_normalize(schema=schema, raw={"region": list(WEST_REGIONS)})
    region = schema.questions["region"]
    west_ids = [region.option_by_code[code].id for code in west["region"]]
    results = []
    with pg_connect(size, autocommit=True) as conn:
        for case, filters in (("all responses", {}), ("4 western regions", west)):
            k = survey.min_cell_size if filters else None

            def ours(filters=filters, k=k) -> None:
                counts = answer_counts_get(survey=survey, schema=schema, filters=filters)
                results_tables_build(schema=schema, counts=counts, k=k)

            load = os.getloadavg()[0]
            ours_s, parts = ours_timed(ours, repeats)
            args = (conn, survey.id, closed, (region.id, west_ids) if filters else None)
            per_question = best_of(lambda a=args: floor_per_question(*a), repeats)
            one_pass = best_of(lambda a=args: floor_one_pass(*a), repeats)
            results.append(
                {"size": size, "responses": complete, "case": case, "ours": ours_s,
                 "floor": per_question, "ratio": ours_s / per_question,
                 "pass": ours_s / per_question <= TARGET, "one_pass": one_pass,
                 "one_pass_ratio": ours_s / one_pass, "answered": parts.get(ANSWERED, 0.0),
                 "parts": parts, "load": max(load, os.getloadavg()[0])}
            )  # fmt: skip
            print(f"\n{complete:,} responses, {case}: where the best run of ours went")
            rows = [[label, f"{t:.3f}", f"{t / ours_s:.0%}"] for label, t in parts.items()]
            print(markdown_table(["part", "seconds", "share"], rows))
            print(f"ours {ours_s:.2f} s, floor {per_question:.2f} s, one-pass {one_pass:.2f} s",
                  flush=True)  # fmt: skip
            if profile:
                profiler = cProfile.Profile()
                profiler.runcall(ours)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    return results


def report(results: list[dict]) -> str:
    return markdown_table(
        ["responses", "case", "ours (s)", "floor (s)", "ours/floor", "target", "result",
         "one-pass SQL (s)", "ours/one-pass", "load avg"],
        [[f"{r['responses']:,}", r["case"], f"{r['ours']:.2f}", f"{r['floor']:.2f}",
          f"{r['ratio']:.2f}x", f"≤ {TARGET:g}x", "pass" if r["pass"] else "FAIL",
          f"{r['one_pass']:.2f}", f"{r['one_pass_ratio']:.1f}x", f"{r['load']:.1f}"]
         for r in results],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of ours too")
    args = parser.parse_args()
    results = bench(args.size, args.repeats, args.profile)
    print("\nAll tables (answer_counts_get + results_tables_build) against the SQL floor:")
    print(report(results))
    for result in results:
        print("RESULT tables " + json.dumps(result))


if __name__ == "__main__":
    main()
