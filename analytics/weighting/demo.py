"""The demonstration scheme of the 2022 survey: ILLUSTRATIVE population totals, not official ones.

Civil servants by region and by level of body, invented to be plausible (about 90,000 in all,
three in ten in central bodies); docs/weighting.md lists them. Both questions' totals add up to
the same population, as raking needs.
"""

from __future__ import annotations

DEMO_NAME = "demo-region-body"
# A scheme has one label, shown to readers of both languages: the demonstration's says it in both.
DEMO_LABEL = "Өңір × орган деңгейі / Регион × уровень органа (шартты сандар / условные данные)"
REGION_TOTALS = {
    "astana": 9000, "almaty": 7500, "shymkent": 4000, "abai": 3500, "akmola": 4000,
    "aktobe": 4200, "almaty_region": 5500, "atyrau": 3300, "east_kazakhstan": 4500,
    "zhambyl": 4600, "zhetisu": 3400, "west_kazakhstan": 3600, "karaganda": 6000,
    "kostanay": 4500, "kyzylorda": 3900, "mangystau": 3000, "pavlodar": 4100,
    "north_kazakhstan": 3600, "turkestan": 7200, "ulytau": 1600,
}  # fmt: skip
POPULATION = sum(REGION_TOTALS.values())
BODY_LEVEL_TOTALS = {
    "central": round(POPULATION * 0.3),
    "local": POPULATION - round(POPULATION * 0.3),
}
DEMO_TARGETS = {"region": REGION_TOTALS, "body_level": BODY_LEVEL_TOTALS}
DEMO_TRIM = (0.3, 3.0)
