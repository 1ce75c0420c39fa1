"""The coded table on hand-made answers: no database."""

from analytics.coding.tables import cells_map, coded_cells, coded_table

OPTIONS = [("a", "A"), ("b", "B"), ("other", "Other")]


def _cells(chosen, coded, new_codes=(), question_type="multiple", keys=None):
    return coded_cells(
        question_type=question_type,
        options=OPTIONS,
        other="other",
        chosen=chosen,
        coded=coded,
        new_codes=list(new_codes),
        keys=keys,
    )


def _entries(table):
    return {o["code"]: (o["count"], o["coded_from_other"], o["new_code"]) for o in table["options"]}


def test_other_coded_to_an_option_counts_there_once_and_leaves_other():
    chosen = {1: {"a", "other"}, 2: {"other"}, 3: {"b"}, 4: {"other"}}
    # 1 chose a and wrote a text coded a: a counts them once, not twice.
    table = coded_table(_cells(chosen, {1: {"a"}, 2: {"b"}}))
    assert table["coded"] is True and table["type"] == "multiple"
    assert _entries(table) == {
        "a": (1, 0, False),
        "b": (2, 1, False),
        "other": (1, 0, False),  # 4's text is not coded: still "other"
    }
    assert table["respondents"] == 4
    assert table["answers"] == 4


def test_a_new_code_is_an_entry_after_the_options():
    chosen = {1: {"other"}, 2: {"other"}, 3: {"a"}}
    table = coded_table(_cells(chosen, {1: {"slow"}, 2: {"slow", "a"}}, [("slow", "Slow")]))
    assert [o["code"] for o in table["options"]] == ["a", "b", "other", "slow"]
    assert _entries(table)["slow"] == (2, 2, True)
    assert _entries(table)["a"] == (2, 1, False)
    assert _entries(table)["other"] == (0, 0, False)
    assert table["options"][3]["label"] == "Slow"
    assert table["options"][3]["percent_of_respondents"] == 66.7


def test_a_single_question_stays_single_while_every_respondent_has_one_entry():
    chosen = {1: {"other"}, 2: {"a"}, 3: {"other"}}
    table = coded_table(_cells(chosen, {1: {"b"}}, question_type="single"))
    assert table["type"] == "single"
    assert _entries(table) == {"a": (1, 0, False), "b": (1, 1, False), "other": (1, 0, False)}
    assert [o["percent"] for o in table["options"]] == [33.3, 33.3, 33.3]
    # One text with two codes: a respondent in two entries, a multiple-response table.
    two = coded_table(_cells(chosen, {1: {"a", "b"}}, question_type="single"))
    assert two["type"] == "multiple" and two["question_type"] == "single"


def test_a_text_without_other_ticked_changes_nothing():
    table = coded_table(_cells({1: {"a"}}, {1: {"b"}}))
    assert _entries(table)["b"] == (0, 0, False)


def test_a_text_question_is_a_multiple_response_table_of_its_codes():
    cells = coded_cells(
        question_type="long_text",
        options=[],
        other=None,
        chosen={1: set(), 2: set(), 3: set()},
        coded={1: {"x", "y"}, 2: {"x"}},
        new_codes=[("x", "X"), ("y", "Y")],
    )
    table = coded_table(cells)
    assert table["type"] == "multiple" and table["respondents"] == 3
    assert _entries(table) == {"x": (2, 2, True), "y": (1, 1, True)}
    assert [o["percent_of_respondents"] for o in table["options"]] == [66.7, 33.3]


def test_cells_carry_the_record_key_sums_that_the_perturbation_needs():
    cells = _cells(
        {1: {"other"}, 2: {"a"}, 3: {"other"}},
        {1: {"a"}},
        keys={1: 10, 2: 20, 3: 40},
    )
    by_code = {e.code: e for e in cells.entries}
    assert (by_code["a"].count, by_code["a"].key) == (2, 30)
    assert (by_code["a"].from_other, by_code["a"].from_other_key) == (1, 10)
    assert (by_code["other"].count, by_code["other"].key) == (1, 40)
    assert cells.respondents_key == 70
    doubled = cells_map(cells, lambda n, key: n * 2)
    assert coded_table(doubled)["respondents"] == 6
