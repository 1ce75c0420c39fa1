"""Coded tables: a question's options plus its coded open answers. Pure Python, no Django.

A respondent whose "other" text carries a code that stands for an existing option counts in that
option, once (also when they chose it besides), and leaves "other" when their text is coded; a
new code is an entry of its own after the options. A text question's coded table lists its codes
only, a multiple-response table over the respondents who answered it. Each entry says how many of
its respondents came from coding (`coded_from_other`) and whether it is a new code.

The counts are kept with the sums of their respondents' record keys (`CodedCells`), so that the
disclosure control can perturb each cell as it perturbs any other (`analytics.coding.protect`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from analytics.tables_counts import Choices, multiple_from_counts, single_from_counts

Table = dict[str, Any]


@dataclass(frozen=True)
class CodedEntry:
    code: str
    label: str
    count: int
    key: int  # the sum of the record keys of its respondents
    from_other: int
    from_other_key: int
    new_code: bool


@dataclass(frozen=True)
class CodedCells:
    """The counts of a coded table before it is laid out."""

    question_type: str  # the question's own type
    type: str  # "single" or "multiple": the coded table's
    entries: tuple[CodedEntry, ...]
    respondents: int  # who answered the question
    respondents_key: int


def respondent_entries(
    *,
    question_type: str,
    known: Collection[str],
    other: str | None,
    chosen: Mapping[int, Collection[str]],
    coded: Mapping[int, Collection[str]],
) -> dict[int, tuple[set[str], set[str]]]:
    """respondent -> (the entries they count in, those of them that came from coding)."""
    choice = question_type in ("single", "multiple")
    result: dict[int, tuple[set[str], set[str]]] = {}
    for respondent, options_chosen in chosen.items():
        own = set(options_chosen) & set(known)
        codes = set(coded.get(respondent, ())) & set(known)
        if choice and (other is None or other not in own):
            codes = set()  # a text without its "other" ticked is not part of the answer
        if codes:
            own.discard(other)  # every text is coded: the respondent leaves "other"
        result[respondent] = (own | codes, codes - own)
    return result


def coded_cells(
    *,
    question_type: str,
    options: Choices,
    other: str | None,
    chosen: Mapping[int, Collection[str]],
    coded: Mapping[int, Collection[str]],
    new_codes: Choices,
    keys: Mapping[int, int] | None = None,
) -> CodedCells:
    """Count a coded table.

    `chosen`: respondent -> options chosen, for every respondent who answered the question (an
    empty collection for a text question); `coded`: respondent -> entry codes (option codes, or
    new codes) their text carries; `keys`: respondent -> record key (0 when left out).
    """
    keys = keys or {}
    choice = question_type in ("single", "multiple")
    option_codes = [code for code, _label in options] if choice else []
    entry_codes = option_codes + [code for code, _label in new_codes if code not in option_codes]
    known = set(entry_codes)
    count = dict.fromkeys(entry_codes, 0)
    key = dict.fromkeys(entry_codes, 0)
    from_other = dict.fromkeys(entry_codes, 0)
    from_other_key = dict.fromkeys(entry_codes, 0)
    most = 0
    for respondent, (entries, added) in respondent_entries(
        question_type=question_type, known=known, other=other, chosen=chosen, coded=coded
    ).items():
        most = max(most, len(entries))
        record = int(keys.get(respondent, 0))
        for code in entries:
            count[code] += 1
            key[code] += record
        for code in added:
            from_other[code] += 1
            from_other_key[code] += record
    labels = dict(options) | dict(new_codes)
    new = {code for code, _label in new_codes} - set(option_codes)
    single = question_type == "single" and most <= 1
    return CodedCells(
        question_type=question_type,
        type="single" if single else "multiple",
        entries=tuple(
            CodedEntry(
                code=code,
                label=labels[code],
                count=count[code],
                key=key[code],
                from_other=from_other[code],
                from_other_key=from_other_key[code],
                new_code=code in new,
            )
            for code in entry_codes
        ),
        respondents=len(chosen),
        respondents_key=sum(int(keys.get(r, 0)) for r in chosen),
    )


def coded_table(cells: CodedCells) -> Table:
    """The coded table of `cells`: an option list marked `"coded": true`."""
    options = [(e.code, e.label) for e in cells.entries]
    counts = {e.code: e.count for e in cells.entries}
    build = single_from_counts if cells.type == "single" else multiple_from_counts
    table = build(options=options, counts=counts, respondents=cells.respondents)
    by_code = {e.code: e for e in cells.entries}
    for entry in table["options"]:
        source = by_code[entry["code"]]
        entry["coded_from_other"] = source.from_other
        entry["new_code"] = source.new_code
    return table | {"coded": True, "question_type": cells.question_type}


def cells_map(cells: CodedCells, change: Callable[[int, int], int]) -> CodedCells:
    """`cells` with every count passed through `change(count, key)`: the perturbation's hook."""
    entries = tuple(
        replace(
            e,
            count=change(e.count, e.key),
            from_other=change(e.from_other, e.from_other_key),
        )
        for e in cells.entries
    )
    return replace(
        cells,
        entries=entries,
        respondents=change(cells.respondents, cells.respondents_key),
    )
