"""The load test's verdict: what the database holds after the run, and the figures of the run.

Used by bench/load.py and by tests/reliability/test_load.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# What a run leaves for the verdict. Kept here, not in bench/load.py, so that the run imports
# the verdict and the verdict never imports the run back.


@dataclass
class Respondent:
    answers: dict[str, list[str]]
    keys: set[str] = field(default_factory=set)  # every response key the server sent us to
    saved: set[str] = field(default_factory=set)  # wide keys of pages the server accepted
    thanked: bool = False
    problem: str = ""


@dataclass
class LoadResult:
    respondents: list[Respondent]
    samples: list[tuple[str, int, float]]  # (request kind, HTTP status or 0, seconds)
    elapsed: float
    started_at: datetime

    @property
    def thanked(self) -> int:
        return sum(r.thanked for r in self.respondents)

    def server_errors(self) -> list[tuple[str, int, float]]:
        return [s for s in self.samples if s[1] >= 500 or s[1] == 0]


def database_check(*, survey: Any, result: LoadResult) -> list[str]:
    """Every way the stored responses differ from what the respondents saw; empty when sound.

    A draft is found by the key the respondent was sent to. A completed response keeps no key
    (and, in an anonymous survey, only the day of its times), so the completed ones are matched
    to the respondents who were thanked by their answers. Completed responses are those submitted
    since the run began (since its day in an anonymous survey: with --reuse, an earlier run of
    the same day shows up as responses claimed by no respondent).
    """
    from collections import Counter

    from django.db.models import Count

    from surveys.answers import answers_to_wide
    from surveys.models import Answer, Response
    from surveys.selectors import ANSWER_FIELDS, answers_from_rows, survey_schema_get
    from surveys.services import day_of
    from surveys.validation import response_validate

    schema = survey_schema_get(survey=survey)
    problems = [
        f"{len(s)} request(s) failed or answered 5xx" for s in [result.server_errors()] if s
    ]
    problems += [f"respondent: {r.problem}" for r in result.respondents if r.problem]
    responses = Response.objects.filter(survey=survey)
    drafts = {
        str(r.key): r
        for r in responses.filter(status=Response.Status.DRAFT, started_at__gte=result.started_at)
    }
    since = day_of(result.started_at) if survey.anonymous else result.started_at
    completes = list(responses.filter(status=Response.Status.COMPLETE, submitted_at__gte=since))
    ours = [*drafts.values(), *completes]
    rows: dict[int, list[tuple]] = defaultdict(list)
    for response_id, *row in Answer.objects.filter(response__in=ours).values_list(
        "response_id", *ANSWER_FIELDS
    ):
        rows[response_id].append(tuple(row))

    def held_of(response: Any) -> dict[str, str]:
        return answers_to_wide(schema, answers_from_rows(schema, rows[response.pk]))

    def frozen(wide: dict[str, str]) -> tuple:
        return tuple(sorted(wide.items()))

    unclaimed = Counter()
    for response in completes:
        held = held_of(response)
        if not response_validate(schema=schema, data=held).is_valid:
            problems.append(f"complete response #{response.pk} breaks a rule")
        unclaimed[frozen(held)] += 1
    claimed: set[str] = set()
    for respondent in result.respondents:
        if len(respondent.keys) > 1:
            problems.append(f"one respondent was given {len(respondent.keys)} responses")
        claimed |= respondent.keys
        posted = {k: " ".join(v) for k, v in respondent.answers.items()}
        expected = answers_to_wide(schema, response_validate(schema=schema, data=posted).answers)
        for key in respondent.keys:
            draft = drafts.get(key)
            if respondent.thanked:
                if draft is not None:
                    problems.append(f"response {key} is a draft after thanked=True")
                elif unclaimed[frozen(expected)] > 0:
                    unclaimed[frozen(expected)] -= 1
                else:
                    problems.append(f"response {key} is not stored complete as posted")
                continue
            if draft is None:
                problems.append(f"response {key} is not stored as a draft (thanked=False)")
                continue
            held = held_of(draft)
            wide_saved = {k for k in expected if k in respondent.saved}
            if any(held.get(k) != expected.get(k) for k in {*held, *wide_saved}):
                problems.append(f"draft {key} holds other answers than those posted")
    problems += [f"response {k} was started by no respondent" for k in drafts.keys() - claimed]
    if extra := sum(unclaimed.values()):
        problems.append(f"{extra} complete response(s) were thanked to no respondent")
    duplicated = (
        Answer.objects.filter(response__in=ours)
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
