"""Time all results tables of the survey against the one-pass SQL floor, in 2 x 2 x 2 cases.

    python bench/bench_tables.py --size 100000 [--repeats 3] [--profile] [--per-question]

The cases (issue 18): every complete response / the four western regions (`region` in
west_kazakhstan, aktobe, atyrau, mangystau); unweighted / weighted by the demonstration raking
scheme (bench_weighted.py, weights computed once per database, not timed); exact / perturbed.

**Ours** is what `analytics.snapshots.snapshot_compute` does for that output, apart from the
snapshot row's lock and write:
- exact: `answer_counts_get`, then `results_tables_build(k=None)`, and with weights
  `weighted_tables_add`: the tables a microdata user is shown;
- perturbed: `answer_counts_get`, then `disclosure.results_protect` (every cell, margin and total
  perturbed by its cell key, the tables rebuilt from the perturbed counts, number questions as
  perturbed ranges, with weights the weighted sums scaled by perturbed / exact): the tables an
  aggregates-only user is shown.
The survey's total of complete responses (`responses_watermark`), which snapshot_compute reads
once for both outputs, is read before timing.

**The floor** is ONE plain `GROUP BY question_id, option_id, row_id, value_int` over the answer
rows of all closed questions of the selected complete responses, through raw psycopg, in the same
process and run: the least any implementation must read.
- exact, unweighted: `count(*)` per group;
- perturbed: `count(*)` and `sum(r.record_key)` (a cell's key is made from its respondents' record
  keys, so no perturbed table can do with less; the join to the response row is there anyway);
- weighted: the same GROUP BY joined to the scheme's weights
  (`JOIN analytics_responseweight w ON w.response_id = a.response_id AND w.scheme_id = %s`),
  with `sum(w.weight)` and `sum(w.weight * w.weight)` per group (plus the record keys' sum when
  perturbed).
With the filter, the floor keeps it as an `EXISTS` on the region's answer row in the same query.
The target is ours within 1.2x of the floor. Every figure is the best of `--repeats` runs after a
warm-up; the load average is recorded because the machine may be shared. `--per-question` adds
issue 7's weaker floor (one GROUP BY per closed question, summed; minutes at 1M).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time

from common import bench_survey, best_of, django_setup, markdown_table, pg_connect

TARGET = 1.2
WEST = "4 western regions"
JOIN = (
    "JOIN surveys_response r ON r.id = a.response_id "
    "AND r.status = 'complete' AND r.survey_id = %s "
)
WEIGHTS = "JOIN analytics_responseweight w ON w.response_id = a.response_id AND w.scheme_id = %s "
REGION = (
    "AND EXISTS (SELECT 1 FROM surveys_answer f WHERE f.response_id = r.id "
    "AND f.question_id = %s AND f.option_id = ANY(%s)) "
)
# Issue 7's floor: one plain GROUP BY per closed question (with the filter, joined to the selected
# responses, gathered once into a temporary table).
PER_QUESTION = (
    "SELECT a.option_id, a.row_id, a.value_int, count(*) FROM surveys_answer a {join}"
    "WHERE a.question_id = %s GROUP BY 1, 2, 3"
)


def one_pass_sql(*, filtered: bool, weighted: bool, keys: bool) -> str:
    """The floor's one GROUP BY; its parameters: survey, [scheme], [region, options], questions."""
    sums = ["count(*)"]
    if keys:
        sums.append("sum(r.record_key)")
    if weighted:
        sums += ["sum(w.weight)", "sum(w.weight * w.weight)"]
    return (
        f"SELECT a.question_id, a.option_id, a.row_id, a.value_int, {', '.join(sums)} "
        f"FROM surveys_answer a {JOIN}{WEIGHTS if weighted else ''}"
        f"{REGION if filtered else ''}WHERE a.question_id = ANY(%s) GROUP BY 1, 2, 3, 4"
    )


def floor_one_pass(conn, *, survey_id, questions, region, scheme_id, keys) -> list[tuple]:
    """The floor's rows: (question, option, row, value, count[, key sum][, Σw, Σw²])."""
    sql = one_pass_sql(filtered=region is not None, weighted=scheme_id is not None, keys=keys)
    params = [survey_id, *([scheme_id] if scheme_id else []), *(region or ()), questions]
    return conn.execute(sql, params, prepare=False).fetchall()


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


PYTHON = "Python: DataFrames, tables, perturbation, weighted figures"
ANSWERED = "answered: distinct (response, question) pairs off the unique indexes"


def query_label(sql: str) -> str:
    text = sql.upper()
    if "UNION ALL" in text:
        return ANSWERED
    if "GROUP BY" in text:
        return "counts: GROUP BY question, option, row, value (closed and number questions)"
    if text.startswith("SELECT COUNT(*)") or text.startswith("SELECT SUM(W.WEIGHT)"):
        return "respondents: COUNT(*) (and weights) of the selected responses"
    if "TEMPORARY" in text or "INSERT INTO" in text or text.startswith("ANALYZE"):
        return "selection: the filter evaluated once, into a temporary table"
    if text.startswith(("DROP", "BEGIN", "COMMIT")) or "SAVEPOINT" in text:
        return "selection: drop, transaction"
    return sql[:60]


def ours_timed(run, repeats: int, warmup: int = 1) -> tuple[float, dict[str, float]]:
    """Best of `repeats` after `warmup` runs, and where the best run went (query times as
    logged)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
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


def tables_ours(*, survey, schema, filters, scheme, perturbed: bool, total: int):
    """One output's tables, as snapshot_compute makes them (see the module's docstring)."""
    from analytics.disclosure import results_protect
    from analytics.results import results_tables_build
    from analytics.selectors import answer_counts_get
    from analytics.weighting.results import weighted_tables_add

    weighting = {"weighting": scheme.pk} if scheme else {}
    counts = answer_counts_get(survey=survey, schema=schema, filters=filters, **weighting)
    if perturbed:
        return results_protect(
            schema=schema,
            counts=counts,
            total=total,
            k=survey.min_cell_size,
            filtered=bool(filters),
            **({"weighting": scheme.name, "design_effect": scheme.design_effect} if scheme else {}),
        )
    tables = results_tables_build(schema=schema, counts=counts, k=None)
    if scheme:
        tables = weighted_tables_add(schema=schema, counts=counts, tables=tables, name=scheme.name)
    return tables


def case_label(*, filtered: bool, weighted: bool, perturbed: bool) -> str:
    return ", ".join(
        (WEST if filtered else "all responses", "weighted" if weighted else "unweighted",
         "perturbed" if perturbed else "exact")
    )  # fmt: skip


def bench(
    size: int,
    repeats: int,
    profile: bool,
    per_question: bool,
    warmup: int = 1,
    only: str = "",
) -> list[dict]:
    django_setup(size)
    from bench_weighted import scheme_ready

    from analytics.selectors import CLOSED_TYPES, filters_normalize, responses_watermark
    from surveys.management.seed import WEST_REGIONS
    from surveys.selectors import survey_schema_get

    survey = bench_survey()
    schema = survey_schema_get(survey=survey)
    complete, _last = responses_watermark(survey=survey)
    scheme = scheme_ready(survey=survey)
    closed = [q.id for q in schema.ordered_questions() if q.type in CLOSED_TYPES]
    west = filters_normalize(schema=schema, raw={"region": list(WEST_REGIONS)})
    region = schema.questions["region"]
    region_args = (region.id, [region.option_by_code[code].id for code in west["region"]])
    results = []
    with pg_connect(size, autocommit=True) as conn:
        for filtered in (False, True):
            filters = west if filtered else {}
            for weighted in (False, True):
                for perturbed in (False, True):
                    case = case_label(filtered=filtered, weighted=weighted, perturbed=perturbed)
                    if only and not set(only.split(",")) <= set(case.split(", ")):
                        continue

                    def ours(f=filters, s=scheme if weighted else None, p=perturbed) -> None:
                        tables_ours(survey=survey, schema=schema, filters=f, scheme=s,
                                    perturbed=p, total=complete)  # fmt: skip

                    load = os.getloadavg()[0]
                    ours_s, parts = ours_timed(ours, repeats, warmup)
                    floor_args = {"survey_id": survey.id, "questions": closed,
                                  "region": region_args if filtered else None,
                                  "scheme_id": scheme.pk if weighted else None,
                                  "keys": perturbed}  # fmt: skip
                    floor = best_of(lambda a=floor_args: floor_one_pass(conn, **a), repeats, warmup)
                    result = {"size": size, "responses": complete, "case": case,
                              "filtered": filtered, "weighted": weighted, "perturbed": perturbed,
                              "ours": ours_s, "floor": floor, "ratio": ours_s / floor,
                              "target": TARGET, "pass": ours_s / floor <= TARGET,
                              "answered": parts.get(ANSWERED, 0.0), "parts": parts}  # fmt: skip
                    if per_question and not weighted and not perturbed:
                        args = (conn, survey.id, closed, region_args if filtered else None)
                        pq = best_of(lambda a=args: floor_per_question(*a), repeats)
                        result |= {"per_question": pq, "per_question_ratio": ours_s / pq}
                    result["load"] = max(load, os.getloadavg()[0])
                    results.append(result)
                    print(f"\n{complete:,} responses, {case}: where the best run of ours went")
                    rows = [[label, f"{t:.3f}", f"{t / ours_s:.0%}"] for label, t in parts.items()]
                    print(markdown_table(["part", "seconds", "share"], rows))
                    print(f"ours {ours_s:.2f} s, one-pass floor {floor:.2f} s, "
                          f"{ours_s / floor:.2f}x", flush=True)  # fmt: skip
                    if profile:
                        profiler = cProfile.Profile()
                        profiler.runcall(ours)
                        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    return results


def report(results: list[dict]) -> str:
    return markdown_table(
        ["responses", "case", "ours (s)", "one-pass floor (s)", "ours/floor", "target",
         "result", "answered (s)", "per-question floor (s)", "load avg"],
        [[f"{r['responses']:,}", r["case"], f"{r['ours']:.2f}", f"{r['floor']:.2f}",
          f"{r['ratio']:.2f}x", f"≤ {r['target']:g}x", "pass" if r["pass"] else "FAIL",
          f"{r['answered']:.2f}",
          f"{r['per_question']:.2f}" if "per_question" in r else "",
          f"{r['load']:.1f}"] for r in results],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of ours too")
    parser.add_argument("--per-question", action="store_true", help="issue 7's floor as well")
    parser.add_argument(
        "--only",
        default="",
        help='the cases with all these comma-separated parts, e.g. "4 western regions,weighted"',
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs before each case (0 at 1M saves time)"
    )
    args = parser.parse_args()
    results = bench(
        args.size, args.repeats, args.profile, args.per_question, args.warmup, args.only
    )
    print("\nAll tables against the one-pass SQL floor:")
    print(report(results))
    for result in results:
        print("RESULT tables " + json.dumps(result))


if __name__ == "__main__":
    main()
