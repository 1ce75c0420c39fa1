"""The load test's verdict: what the database holds after the run, and the figures of the run.

Used by bench/load.py and by tests/reliability/test_load.py.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load import LoadResult


def database_check(*, survey: Any, result: LoadResult) -> list[str]:
    """Every way the stored responses differ from what the respondents saw; empty when sound."""
    from django.db.models import Count

    from surveys.answers import answers_to_wide
    from surveys.models import Answer, Response
    from surveys.selectors import answers_from_rows, survey_schema_get
    from surveys.validation import response_validate

    schema = survey_schema_get(survey=survey)
    problems = [
        f"{len(s)} request(s) failed or answered 5xx" for s in [result.server_errors()] if s
    ]
    problems += [f"respondent: {r.problem}" for r in result.respondents if r.problem]
    stored = {
        str(r.key): r
        for r in Response.objects.filter(survey=survey, started_at__gte=result.started_at)
    }
    rows: dict[int, list[tuple]] = defaultdict(list)
    for response_id, *row in Answer.objects.filter(response__in=stored.values()).values_list(
        "response_id", "question_id", "option_id", "row_id", "value_int", "value_text"
    ):
        rows[response_id].append(tuple(row))
    claimed: set[str] = set()
    for respondent in result.respondents:
        if len(respondent.keys) > 1:
            problems.append(f"one respondent was given {len(respondent.keys)} responses")
        claimed |= respondent.keys
        for key in respondent.keys:
            response = stored.get(key)
            if response is None:
                problems.append(f"response {key} is not stored")
                continue
            held = answers_to_wide(schema, answers_from_rows(schema, rows[response.pk]))
            posted = {k: " ".join(v) for k, v in respondent.answers.items()}
            expected = answers_to_wide(
                schema, response_validate(schema=schema, data=posted).answers
            )
            complete = response.status == Response.Status.COMPLETE
            if respondent.thanked != complete:
                problems.append(
                    f"response {key} is {response.status} after thanked={respondent.thanked}"
                )
            if complete and (
                held != expected or not response_validate(schema=schema, data=held).is_valid
            ):
                problems.append(f"complete response {key} differs from the answers posted")
            wide_saved = {k for k in expected if k in respondent.saved}
            if not complete and any(held.get(k) != expected.get(k) for k in {*held, *wide_saved}):
                problems.append(f"draft {key} holds other answers than those posted")
    problems += [f"response {k} was started by no respondent" for k in stored.keys() - claimed]
    duplicated = (
        Answer.objects.filter(response__in=stored.values())
        .values("response_id", "question_id", "option_id", "row_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems += [f"duplicated answer row: {d}" for d in duplicated[:10]]
    return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(result: LoadResult) -> str:
    """Throughput and latency percentiles per request kind, as a Markdown table."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for kind, status, seconds in result.samples:
        by_kind[kind].append(seconds * 1000)
        statuses[kind][status] += 1
    order = ["welcome", "start", "resume", "page GET", "page POST", "thanks"]
    lines = [
        f"{len(result.respondents)} respondents started, {result.thanked} complete responses, "
        f"{len(result.samples)} requests in {result.elapsed:.1f} s: "
        f"{result.thanked / result.elapsed:.2f} complete responses/s, "
        f"{len(result.samples) / result.elapsed:.1f} requests/s",
        "",
        "| request | count | statuses | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order)):
        values = by_kind[kind]
        codes = " ".join(f"{s}:{n}" for s, n in sorted(statuses[kind].items()))
        cells = [percentile(values, p) for p in (0.5, 0.9, 0.99)] + [max(values)]
        lines.append(
            f"| {kind} | {len(values)} | {codes} | " + " | ".join(f"{c:.0f}" for c in cells) + " |"
        )
    return "\n".join(lines)
