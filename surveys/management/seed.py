"""Demonstration data for the 2022 questionnaire: 4790 synthetic, complete, valid responses.

The 2062 respondents of the four western regions reproduce the paper's Table 1
(`channel_effectiveness`) and Table 2 (`barriers`) exactly: each table is built as the exact
multiset of its answers and dealt out to respondents, never sampled. Every other answer is sampled
from the questionnaire itself (display conditions, choice limits, scales, bounds), so the generator
follows the schema rather than a list of codes; the code-keyed hints below only make answers more
plausible and are ignored when a code is absent.

Pure: no database access, and every random draw comes from one `random.Random(seed)`.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from surveys.answers import OTHER_SUFFIX

# ResponseFiller and SeedError are re-exported: tests, bench and the command import them here.
from surveys.management.seed_answers import ResponseFiller, SeedError, _text
from surveys.management.seed_data import (  # noqa: F401  (re-exported for tests and callers)
    BARRIER_SET_SIZES,
    CHOICE_COUNT_WEIGHTS,
    EXCLUSIVE_SHARE,
    FIELDWORK_DAYS,
    FIELDWORK_START,
    KAZAKH_SHARE,
    LANGUAGE_SKILL,
    NA_SHARE,
    OPTION_WEIGHTS,
    OPTIONAL_ANSWERED,
    OTHER_REGION_WEIGHTS,
    OTHER_TEXTS,
    POINT_WEIGHTS,
    SEED,
    SLUG,
    TABLE_1,
    TABLE_2,
    TEXT_ANSWERS,
    TOTAL,
    WEST_REGIONS,
)
from surveys.schema import SurveySchema
from surveys.services import NewResponse
from surveys.validation import response_validate

K = TypeVar("K")


class SeedItem(NamedTuple):
    language: str
    data: dict[str, Any]
    submitted_at: datetime


class _Person(NamedTuple):
    language: str
    mood: float  # general favourability: ties a respondent's scores together
    forced: dict[str, dict[str, Any]]  # question code -> wide cells fixed in advance


def paper_responses_generate(*, schema: SurveySchema, seed: int = SEED) -> list[SeedItem]:
    """The 4790 responses as wide data, in submission order; the same seed gives the same data."""
    _paper_codes_check(schema)
    rng = random.Random(seed)
    filler = ResponseFiller(schema=schema, rng=rng)
    people = _west_people(schema, rng) + _other_people(schema, rng)
    rng.shuffle(people)
    items = [
        SeedItem(p.language, filler.data(language=p.language, mood=p.mood, forced=p.forced), at)
        for p, at in zip(people, _submission_times(rng, len(people)), strict=True)
    ]
    _tables_check(items)
    return items


def paper_responses_build(*, schema: SurveySchema, seed: int = SEED) -> list[NewResponse]:
    """The generated responses through the validation layer, ready for `responses_bulk_create`."""
    built: list[NewResponse] = []
    for number, item in enumerate(paper_responses_generate(schema=schema, seed=seed), start=1):
        result = response_validate(schema=schema, data=item.data)
        if not result.is_valid:
            errors = {key: [e.code for e in errs] for key, errs in result.errors.items()}
            raise SeedError(f"Generated response {number} is invalid: {errors}; data: {item.data}")
        # About a quarter of an hour per questionnaire, as the introduction announces.
        took = timedelta(minutes=9 + (number * 7919) % 17)
        built.append(
            NewResponse(
                item.language,
                result,
                submitted_at=item.submitted_at,
                started_at=item.submitted_at - took,
            )
        )
    return built


def _paper_codes_check(schema: SurveySchema) -> None:
    wanted = {
        "region": ("single", "options", WEST_REGIONS),
        "channel_effectiveness": ("matrix", "rows", TABLE_1),
        "barriers": ("multiple", "options", TABLE_2),
    }
    problems = []
    for code, (qtype, part, codes) in wanted.items():
        question = schema.questions.get(code)
        have = {item.code for item in getattr(question, part)} if question else set()
        if question is None or question.type != qtype or not have >= set(codes):
            problems.append(f"“{code}” is not a {qtype} question with {part} {', '.join(codes)}")
    if not problems:
        barriers = schema.questions["barriers"]
        if (barriers.max_choices or 3) < 3 or getattr(barriers.other_option, "code", "") != "other":
            problems.append("“barriers” must allow three options and have an “other” with text")
        if not set(range(1, 6)) <= set(schema.questions["channel_effectiveness"].scale_points()):
            problems.append("“channel_effectiveness” must be scored 1 to 5")
    if problems:
        raise SeedError("The questionnaire cannot carry the paper's data: " + "; ".join(problems))


def _west_people(schema: SurveySchema, rng: random.Random) -> list[_Person]:
    regions = [code for code, count in WEST_REGIONS.items() for _ in range(count)]
    rng.shuffle(regions)
    n = len(regions)
    languages = [_language(rng, region) for region in regions]
    moods = [rng.gauss(0, 1) for _ in range(n)]
    forced: list[dict[str, dict[str, Any]]] = [{"region": {"region": r}} for r in regions]
    channels: list[dict[str, Any]] = [{} for _ in range(n)]
    for row, counts in TABLE_1.items():
        # The exact scores, the higher ones going (noisily) to the more favourable respondents.
        scores = [score for score, count in enumerate(counts, start=1) for _ in range(count)]
        keys = [mood + rng.gauss(0, 1) for mood in moods]
        for score, i in zip(scores, sorted(range(n), key=keys.__getitem__), strict=True):
            channels[i][f"channel_effectiveness.{row}"] = score
    sizes = [size for size, count in BARRIER_SET_SIZES.items() for _ in range(count)]
    rng.shuffle(sizes)
    order = [o.code for o in schema.questions["barriers"].options]
    for i, chosen in enumerate(deal_exact(rng, TABLE_2, sizes)):
        cells: dict[str, Any] = {"barriers": sorted(chosen, key=order.index)}
        if "other" in chosen:
            cells[f"barriers.{OTHER_SUFFIX}"] = _text(rng, OTHER_TEXTS["barriers"], languages[i])
        forced[i].update(channel_effectiveness=channels[i], barriers=cells)
    return [_Person(lang, mood, f) for lang, mood, f in zip(languages, moods, forced, strict=True)]


def _other_people(schema: SurveySchema, rng: random.Random) -> list[_Person]:
    options = schema.questions["region"].options
    weights = {o.code: OTHER_REGION_WEIGHTS.get(o.code, 100) for o in options
               if o.code not in WEST_REGIONS and not o.is_other}  # fmt: skip
    counts = apportion(weights, TOTAL - sum(WEST_REGIONS.values()))
    return [
        _Person(_language(rng, region), rng.gauss(0, 1), {"region": {"region": region}})
        for region, count in counts.items()
        for _ in range(count)
    ]


def _language(rng: random.Random, region: str) -> str:
    return "kk" if rng.random() < KAZAKH_SHARE.get(region, 0.55) else "ru"


def deal_exact(rng: random.Random, counts: Mapping[str, int], sizes: Sequence[int]) -> list[set]:
    """Deal an exact multiset of codes into hands of the given sizes, no code twice in a hand.

    The tokens are shuffled and dealt in order; a hand holding a code twice swaps one copy with a
    random token of another hand that lacks it. Swaps keep the multiset, so every count is exact.
    """
    tokens = [code for code, count in counts.items() for _ in range(count)]
    if len(tokens) != sum(sizes) or max(sizes) > len(counts):
        raise SeedError("The counts cannot be dealt into hands of these sizes.")
    rng.shuffle(tokens)
    hands, start = [], 0
    for size in sizes:
        hands.append(tokens[start : start + size])
        start += size
    for hand in hands:
        while len(set(hand)) < len(hand):
            at = next(p for p, code in enumerate(hand) if hand.index(code) != p)
            for _attempt in range(100_000):
                other = hands[rng.randrange(len(hands))]
                q = rng.randrange(len(other))
                if hand[at] not in other and other[q] not in hand:
                    hand[at], other[q] = other[q], hand[at]
                    break
            else:
                raise SeedError("No swap found while dealing; the counts are not feasible.")
    if Counter(code for hand in hands for code in hand) != Counter(counts):
        raise SeedError("Dealing changed the counts.")
    return [set(hand) for hand in hands]


def apportion(weights: Mapping[K, float], total: int) -> dict[K, int]:
    """Whole counts summing to `total` in proportion to `weights` (largest remainders)."""
    quotas = {key: weight * total / sum(weights.values()) for key, weight in weights.items()}
    counts = {key: math.floor(quota) for key, quota in quotas.items()}
    for key in sorted(quotas, key=lambda k: counts[k] - quotas[k])[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def _submission_times(rng: random.Random, n: int) -> list[datetime]:
    """Working days and hours are busiest; the first week, after the invitation, most of all."""
    days = range(FIELDWORK_DAYS)
    weekday = [(FIELDWORK_START + timedelta(days=d)).weekday() < 5 for d in days]
    day_weights = [(1.0 if weekday[d] else 0.3) * (1.5 if d < 7 else 1.0) for d in days]
    hours, hour_weights = range(7, 24), (1, 3, 8, 10, 10, 9, 6, 8, 9, 8, 6, 4, 3, 3, 2, 2, 1)
    return sorted(
        FIELDWORK_START
        + timedelta(days=rng.choices(days, day_weights)[0], seconds=rng.randrange(3600),
                    hours=rng.choices(hours, hour_weights)[0])
        for _ in range(n)
    )  # fmt: skip


def _tables_check(items: Sequence[SeedItem]) -> None:
    """Recount the western answers from the generated data; any difference is a generator bug."""
    regions = Counter(item.data["region"] for item in items)
    west = [item.data for item in items if item.data["region"] in WEST_REGIONS]
    cells = Counter((row, d[f"channel_effectiveness.{row}"]) for d in west for row in TABLE_1)
    checks = {
        "total": (len(items), TOTAL),
        "regions": ({region: regions[region] for region in WEST_REGIONS}, WEST_REGIONS),
        "table 1": ({r: tuple(cells[r, s] for s in range(1, 6)) for r in TABLE_1}, TABLE_1),
        "table 2": (dict(Counter(code for d in west for code in d["barriers"])), TABLE_2),
        "barrier set sizes": (Counter(len(d["barriers"]) for d in west), BARRIER_SET_SIZES),
    }
    for name, (got, expected) in checks.items():
        if got != expected:
            raise SeedError(f"The generated {name} is {got}, expected {expected}.")
