"""The coded tables as an aggregates-only viewer sees them: through the cell key method.

Every count of a coded table (each entry, its part that came from coding, the respondents who
answered) is perturbed by `analytics.disclosure.count_perturb` from the record keys of its own
respondents, within the selection's group key, exactly as the other tables of the selection
are; the percentages are then computed from the perturbed counts. A selection the group
thresholds refuse gets no coded table at all.
"""

from __future__ import annotations

from analytics.disclosure import count_perturb

from .tables import CodedCells, Table, cells_map, coded_table


def coded_table_protect(*, cells: CodedCells, k: int, group_key_sum: int) -> Table:
    """The coded table of `cells` from perturbed counts."""
    perturbed = cells_map(
        cells, lambda count, key: count_perturb(count, key, k, group_key_sum=group_key_sum)
    )
    return coded_table(perturbed)
