"""The weighting scheme the weighted benchmarks use: the demonstration raking scheme, on the bench
survey, with its weights computed once per database (not timed).

    python bench/bench_weighted.py --size 100000     # compute (or check) the weights alone

The scheme is `analytics.weighting.demo`'s (what `manage.py seed_demo_weighting` saves: region x
body level, illustrative totals, trimmed to 0.3..3 of the mean). Unlike the command, which saves
the scheme again each time (a new version, weights raked afresh), an existing scheme is kept and
only brought up to date by `weights_compute`, a no-op while the responses are those its weights
were computed from. So the first benchmark on a database writes one `ResponseWeight` row per
complete response (about 4 s at 10k; the 1M database takes minutes, once), and later runs reuse
them.
"""

from __future__ import annotations

import argparse
import time

from common import bench_survey, django_setup


def scheme_ready(*, survey):
    """The demonstration scheme of `survey` with current weights; raises if raking refused it."""
    from analytics.weighting.demo import DEMO_LABEL, DEMO_NAME, DEMO_TARGETS, DEMO_TRIM
    from analytics.weighting.models import WeightingScheme
    from analytics.weighting.services import weighting_scheme_save, weights_compute

    started = time.perf_counter()
    scheme = WeightingScheme.objects.filter(survey=survey, name=DEMO_NAME).first()
    if scheme is None:
        scheme = weighting_scheme_save(
            survey=survey,
            name=DEMO_NAME,
            label=DEMO_LABEL,
            targets=DEMO_TARGETS,
            trim_low=DEMO_TRIM[0],
            trim_high=DEMO_TRIM[1],
        )
        how = "created and raked"
    else:
        version = scheme.version
        scheme = weights_compute(scheme_id=scheme.pk)
        how = "reused" if scheme.version == version else "raked again (responses changed)"
    if scheme.status != WeightingScheme.Status.COMPLETE:
        raise SystemExit(f"The weighting scheme {scheme} was refused: {scheme.error}")
    print(
        f"weighting scheme {scheme} (version {scheme.version}, design effect "
        f"{scheme.design_effect:.2f}): {how} in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return scheme


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True)
    args = parser.parse_args()
    django_setup(args.size)
    scheme_ready(survey=bench_survey())


if __name__ == "__main__":
    main()
