"""`?weights=NAME` on the API: weighted results for every reader, `weight` on responses for
microdata users only, a clear 400 for a scheme the survey does not have."""

import pytest
from django.utils import translation

from analytics.weighting.services import weighting_scheme_save

pytestmark = pytest.mark.django_db
RESULTS = "/api/v1/surveys/{slug}/results/"
RESPONSES = "/api/v1/surveys/{slug}/responses/"


@pytest.fixture
def scheme(world):
    # Six central and six local respondents weighted to 30% / 70%.
    return weighting_scheme_save(
        survey=world["a"],
        name="level",
        label="",
        targets={"level": {"central": 300, "local": 700}},
    )


def test_weighted_results_for_the_owner(world, scheme, as_):
    body = as_("owner").get(RESULTS.format(slug="mini"), weights="level").json()
    assert body["weighted"] == "level"
    level = {o["code"]: o for o in body["tables"]["level"]["options"]}
    assert (level["central"]["count"], level["central"]["percent"]) == (6, 30.0)
    assert level["local"]["weighted_count"] == pytest.approx(8.4)
    assert body["tables"]["level"]["n_eff"] == pytest.approx(144 / (6 * 0.36 + 6 * 1.96), abs=0.1)
    plain = as_("owner").get(RESULTS.format(slug="mini")).json()
    assert "weighted" not in plain and "weighted" not in plain["tables"]["level"]


def test_weighted_results_for_an_aggregates_only_reader_come_from_perturbed_counts(
    world, scheme, as_
):
    body = as_("results_admin").get(RESULTS.format(slug="mini"), weights="level").json()
    assert body["access"] == "aggregates" and body["weighted"] == "level"
    table = body["tables"]["level"]
    for option in table["options"]:
        if option["count"] is None:
            assert option["percent"] is None
            continue
        # Each respondent of a level has the same weight: the perturbed weighted cell is the
        # perturbed count times that weight.
        weight = 0.6 if option["code"] == "central" else 1.4
        assert option["weighted_count"] == pytest.approx(option["count"] * weight, abs=0.06)


def test_an_aggregates_only_readers_effective_size_is_no_exact_figure_of_the_selection(
    world, scheme, as_
):
    """n_eff = the shown n over the whole scheme's design effect: the selection's own exact
    (Σw)²/Σw² would be a figure of exactly its respondents, for differencing."""
    scheme.refresh_from_db()
    deff = scheme.design_effect
    assert deff > 1
    body = as_("results_admin").get(RESULTS.format(slug="mini"), weights="level").json()
    for code in ("level", "barriers"):
        table = body["tables"][code]
        assert table["n_eff"] == round(table["respondents"] / deff, 1)
    for row in body["tables"]["channels"]["rows"]:
        if row["n_eff"] is not None:
            assert row["n_eff"] == round(row["n"] / deff, 1)


def test_an_unknown_scheme_is_a_400_in_the_callers_language(world, as_):
    for language in ("kk", "ru"):
        answer = as_("owner", language).get(RESULTS.format(slug="mini"), weights="nope")
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "invalid_weights"
        with translation.override(language):
            expected = translation.gettext(
                "This survey has no weighting scheme named “%(name)s”."
            ) % {"name": "nope"}
        assert answer.json()["error"]["message"] == expected


def test_responses_gain_a_weight_only_when_asked(world, scheme, as_):
    weighted = as_("owner").get(RESPONSES.format(slug="mini"), weights="level").json()
    assert sorted(r["weight"] for r in weighted["results"]) == pytest.approx([0.6] * 6 + [1.4] * 6)
    plain = as_("owner").get(RESPONSES.format(slug="mini")).json()
    assert all("weight" not in r for r in plain["results"])


def test_no_weight_of_a_respondent_for_others(world, scheme, as_):
    for role in ("results_admin", "researcher_b", "anonymous"):
        answer = as_(role).get(RESPONSES.format(slug="mini"), weights="level")
        assert answer.status_code in (401, 403, 404)
        assert "weight" not in answer.content.decode()
