"""Done-when of issue 16 (weights): the demo scheme's weighted tables on the demo data equal an
independent computation from the raw responses (numpy IPF, pandas weighted percents)."""

import json
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analytics.weighting.demo import DEMO_NAME, DEMO_TARGETS, DEMO_TRIM
from analytics.weighting.models import ResponseWeight, WeightingScheme
from surveys.models import Answer, Response, Survey

SLUG = "civil-service-communication-2022"
WEST = "region=west_kazakhstan,aktobe,atyrau,mangystau"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_paper_dataset", stdout=StringIO())
        call_command("seed_demo_weighting", stdout=StringIO())
        yield Survey.objects.get(slug=SLUG)
        Response.objects.filter(survey__slug=SLUG).delete()
        Survey.objects.filter(slug=SLUG).delete()


def results(*args: str) -> dict:
    out = StringIO()
    call_command("results", SLUG, *args, stdout=out)
    return json.loads(out.getvalue())


def answers(survey, code: str) -> pd.DataFrame:
    rows = Answer.objects.filter(
        response__survey=survey, response__status=Response.Status.COMPLETE, question__code=code
    ).values_list("response_id", "option__code", "row__code", "value_int")
    return pd.DataFrame.from_records(list(rows), columns=["response", "option", "row", "value"])


def reference_weights(survey) -> pd.Series:
    """Raking by hand: multiply each cell's weights to its target until nothing moves, then
    trim to the demo bounds relative to the mean, as docs/weighting.md says."""
    ids = list(
        Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).values_list(
            "pk", flat=True
        )
    )
    frame = pd.DataFrame(index=ids)
    for code in DEMO_TARGETS:
        frame[code] = answers(survey, code).set_index("response")["option"]
    assert frame.notna().all().all()  # every demo respondent answered region and body level
    w = np.ones(len(frame))
    for _ in range(2000):
        before = w.copy()
        for code, cells in DEMO_TARGETS.items():
            for option, total in cells.items():
                mask = (frame[code] == option).to_numpy()
                w[mask] *= total / w[mask].sum()
        if np.abs(w - before).max() < 1e-12:
            break
    low, high = DEMO_TRIM
    for _ in range(100):
        w = w / w.mean()
        if w.min() >= low - 1e-9 and w.max() <= high + 1e-9:
            break
        w = np.clip(w, low, high)
    return pd.Series(w / w.mean(), index=frame.index)


@pytest.mark.django_db
def test_the_demo_scheme_has_weights_and_a_summary(seeded):
    scheme = WeightingScheme.objects.get(survey=seeded, name=DEMO_NAME)
    assert scheme.status == WeightingScheme.Status.COMPLETE
    summary = scheme.summary
    assert summary["n"] == 4790 and summary["left_out"] == 0
    assert summary["mean"] == pytest.approx(1.0)
    assert DEMO_TRIM[0] - 1e-6 <= summary["min"] <= summary["max"] <= DEMO_TRIM[1] + 1e-4
    assert summary["design_effect"] > 1
    assert summary["n_eff"] == pytest.approx(4790 / summary["design_effect"], abs=0.2)
    stored = pd.Series(
        dict(ResponseWeight.objects.filter(scheme=scheme).values_list("response_id", "weight"))
    )
    reference = reference_weights(seeded)
    assert np.allclose(stored.reindex(reference.index), reference, rtol=1e-4)


@pytest.mark.django_db
def test_weighted_tables_match_an_independent_computation(seeded):
    w = reference_weights(seeded)
    document = results("--weights", DEMO_NAME, "--language", "ru")
    assert document["weighted"] == DEMO_NAME and document["respondents"] == 4790
    tables = document["tables"]

    gender = answers(seeded, "gender").assign(w=lambda f: f["response"].map(w))
    expected = gender.groupby("option")["w"].sum() / gender["w"].sum() * 100
    table = tables["gender"]
    assert table["weighted"] == DEMO_NAME
    assert table["n_eff"] == pytest.approx(
        gender["w"].sum() ** 2 / (gender["w"] ** 2).sum(), abs=0.2
    )
    for entry in table["options"]:
        assert entry["count"] == int((gender["option"] == entry["code"]).sum())  # unweighted
        assert entry["percent"] == pytest.approx(expected.get(entry["code"], 0), abs=0.051)
        assert entry["weighted_count"] == pytest.approx(
            gender.loc[gender["option"] == entry["code"], "w"].sum(), abs=0.2
        )

    barriers = answers(seeded, "barriers").assign(w=lambda f: f["response"].map(w))
    people = barriers.drop_duplicates("response")["w"].sum()
    table = tables["barriers"]
    for entry in table["options"]:
        chosen = barriers.loc[barriers["option"] == entry["code"], "w"].sum()
        assert entry["percent_of_respondents"] == pytest.approx(100 * chosen / people, abs=0.051)
        assert entry["percent_of_answers"] == pytest.approx(
            100 * chosen / barriers["w"].sum(), abs=0.051
        )

    matrix = answers(seeded, "channel_effectiveness").assign(w=lambda f: f["response"].map(w))
    for row in tables["channel_effectiveness"]["rows"]:
        part = matrix[(matrix["row"] == row["code"]) & (matrix["value"] > 0)]
        mean = (part["value"] * part["w"]).sum() / part["w"].sum()
        assert row["n"] == len(part)  # unweighted n
        assert row["mean"] == pytest.approx(mean, abs=0.0051)
        top2 = part.loc[part["value"] >= 4, "w"].sum() / part["w"].sum() * 100
        assert row["top2_percent"] == pytest.approx(top2, abs=0.051)
        five = part.loc[part["value"] == 5, "w"].sum() / part["w"].sum() * 100
        assert row["percents"]["5"] == pytest.approx(five, abs=0.051)


@pytest.mark.django_db
def test_weighted_and_filtered_tables_keep_the_unweighted_counts(seeded):
    plain = results("--filter", WEST, "--language", "ru")
    weighted = results("--filter", WEST, "--weights", DEMO_NAME, "--language", "ru")
    assert "weighted" not in plain and "weighted" not in plain["tables"]["barriers"]
    for code in ("barriers", "gender"):
        counts = [e["count"] for e in plain["tables"][code]["options"]]
        assert [e["count"] for e in weighted["tables"][code]["options"]] == counts


@pytest.mark.django_db
def test_an_unknown_scheme_is_refused(seeded):
    with pytest.raises(CommandError):
        call_command("results", SLUG, "--weights", "nope", stdout=StringIO())
