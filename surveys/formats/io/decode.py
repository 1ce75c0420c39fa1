"""Answer rows into wide records, through a decoder compiled once per questionnaire.

`answers_from_rows` then `answers_to_wide` build a QuestionAnswer and two dicts per question of
every response; an export of 100k responses spends most of its time there. The decoder below
settles, once per schema, what each answer row can mean: for every (question id, option or row)
the wide column it fills and how. A response's record is then a list of cells filled straight
from its rows. Anything the tables do not foresee (a question missing from the schema, an option
of another question, two options of a single choice) sends that response through the old pair of
functions, so every record is exactly what they would give.

On PostgreSQL the answers are read aggregated, one row per response holding one string of
`question:part:value` tokens (`_TOKEN_SQL`): nearly every token maps to its cell through one dict
lookup, and the client builds one string per response instead of a tuple of seven values per
answer. Elsewhere (SQLite) the rows are read as tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from surveys.answers import OTHER_SUFFIX, answers_to_wide, wide_columns
from surveys.decimals import decimal_text
from surveys.formats.io.columns import CHUNK_SIZE, LANGUAGE, SUBMITTED_AT
from surveys.models import Answer
from surveys.schema import SurveySchema
from surveys.selectors import ANSWER_FIELDS, answers_from_rows

# Actions: what one answer row does to the cells. A row is keyed on (question id, part): the
# option id, minus the row id for a matrix cell, or 0 for a question's own value.
SET, SINGLE, PICK, MATRIX, NUMBER, DECIMAL, TEXT, SKIP = range(8)
FIRST = 2  # cells 0 and 1 are language and submitted_at

Action = tuple
Cells = list[str]
Row = tuple  # ANSWER_FIELDS


@dataclass(frozen=True)
class WideDecoder:
    schema: SurveySchema
    columns: tuple[str, ...]  # language, submitted_at, then `wide_columns`
    parts: dict[tuple[int, int], Action]
    tokens: dict[str, Action]  # "question:part:value" of a row without text -> its action
    exact: bool  # False if two questions could write one column: the old path then does all

    def old_cells(self, rows: list[Row]) -> Cells:
        """A record through `answers_from_rows` and `answers_to_wide`, the reference."""
        wide = answers_to_wide(self.schema, answers_from_rows(self.schema, rows))
        return ["", "", *(wide.get(column, "") for column in self.columns[FIRST:])]

    def empty(self) -> Cells:
        return [""] * len(self.columns)


def wide_decoder(schema: SurveySchema) -> WideDecoder:
    """Built once per schema and kept on it, as `surveys.selectors` keeps its id lookups."""
    found = vars(schema).get("_wide_decoder")
    if found is None:
        found = _compile(schema)
        vars(schema)["_wide_decoder"] = found
    return found


def _compile(schema: SurveySchema) -> WideDecoder:
    columns = (LANGUAGE, SUBMITTED_AT, *wide_columns(schema))
    index = {column: i for i, column in enumerate(columns) if i >= FIRST}
    parts: dict[tuple[int, int], Action] = {}
    tokens: dict[str, Action] = {}
    written: list[str] = []  # every key answers_to_wide can write, to see that none is shared
    for question in schema.questions.values():
        for option in question.options:
            parts[(question.id, option.id)] = (SKIP,)
        for row in question.rows:
            parts[(question.id, -row.id)] = (SKIP,)
        parts[(question.id, 0)] = (SKIP,)
    for q in schema.ordered_questions():
        code = q.code
        if q.is_choice:
            other = f"{code}.{OTHER_SUFFIX}"
            written += [code, other]
            col, other_col = index[code], index.get(other, -1)
            # Two options of a single choice would be joined; a non-empty cell tells it happened.
            single = q.type == "single" and all(o.code for o in q.options)
            for position, option in enumerate(q.options):
                action = (SINGLE if single else PICK, col, position, option.code, other_col)
                parts[(q.id, option.id)] = action
        elif q.type == "matrix":
            points = q.scale_points()
            for row in q.rows:
                key = f"{code}.{row.code}"
                written.append(key)
                parts[(q.id, -row.id)] = (MATRIX, index[key])
                tokens[f"{q.id}:{-row.id}:"] = (SET, index[key], "None")  # str(None), as before
                for point in points:
                    tokens[f"{q.id}:{-row.id}:{point}"] = (SET, index[key], str(point))
        else:
            written.append(code)
            col = index[code]
            if q.type in ("rating", "number"):
                parts[(q.id, 0)] = (NUMBER, col)
                for point in q.scale_points() if q.type == "rating" else []:
                    tokens[f"{q.id}:0:{point}"] = (SET, col, str(point))
            elif q.type == "decimal":
                parts[(q.id, 0)] = (DECIMAL, col, q.decimals or 0)
            else:
                parts[(q.id, 0)] = (TEXT, col)
            tokens[f"{q.id}:0:"] = (SET, col, "")  # no value, no text: the cell stays empty
    for (question_id, part), action in parts.items():
        if action[0] in (SINGLE, PICK, SKIP):
            tokens.setdefault(f"{question_id}:{part}:", action)
    exact = len(written) == len(set(written))
    return WideDecoder(schema, columns, parts, tokens, exact)


# Filling cells ----------------------------------------------------------------------------------


def _apply(
    action: Action, cells: Cells, picked: list[Action], value_int: Any, text: str, decimal: Any
) -> bool:
    """One answer row into the cells; False when only the old path can tell what it makes."""
    kind = action[0]
    if kind in (PICK, SINGLE):
        if kind == PICK:
            picked.append(action)
        elif cells[action[1]]:
            return False
        else:
            cells[action[1]] = action[3]
        if text and action[4] >= 0:
            cells[action[4]] = text  # the last option row with a text wins, as before
    elif kind == MATRIX:
        cells[action[1]] = str(value_int)
    elif kind == NUMBER:
        cells[action[1]] = "" if value_int is None else str(value_int)
    elif kind == DECIMAL:
        cells[action[1]] = "" if decimal is None else decimal_text(decimal, action[2])
    elif kind == TEXT:
        cells[action[1]] = text or ""
    return True


def _picks_join(cells: Cells, picked: list[Action]) -> None:
    """Multiple choices: option codes in option order, separated by spaces."""
    picked.sort()  # (kind, column, position, ...): by column, then option position
    previous = -1
    for _kind, col, _position, code, _other in picked:
        if col == previous:
            cells[col] = f"{cells[col]} {code}"
        else:
            cells[col] = code
            previous = col


def cells_from_rows(decoder: WideDecoder, rows: list[Row]) -> Cells:
    """A response's record (language and submitted_at left empty) from tuples of
    ANSWER_FIELDS with values as Django reads them."""
    if decoder.exact:
        cells = decoder.empty()
        picked: list[Action] = []
        parts = decoder.parts
        for question_id, option_id, row_id, value_int, text, decimal in rows:
            part = option_id if option_id is not None else 0 if row_id is None else -row_id
            action = parts.get((question_id, part))
            if action is None or not _apply(action, cells, picked, value_int, text, decimal):
                break
        else:
            if picked:
                _picks_join(cells, picked)
            return cells
    return decoder.old_cells(rows)


def _token_row(token: str) -> Row:
    """A token as a tuple of ANSWER_FIELDS (see `_TOKEN_SQL`)."""
    question, part, value, *texty = token.split(":")
    number = int(part)
    option = number if number > 0 else None
    row = -number if number < 0 else None
    decimal, text = texty or ("", "")
    return (
        int(question),
        option,
        row,
        int(value) if value else None,
        bytes.fromhex(text).decode(),
        Decimal(decimal) if decimal else None,
    )


def cells_from_tokens(decoder: WideDecoder, tokens: list[str]) -> Cells:
    """A response's record (language and submitted_at left empty) from the tokens of its
    answer rows (see `_TOKEN_SQL`)."""
    if decoder.exact:
        cells = _tokens_fill(decoder, tokens)
        if cells is not None:
            return cells
    return decoder.old_cells([_token_row(token) for token in tokens])


def _tokens_fill(decoder: WideDecoder, tokens: list[str]) -> Cells | None:
    cells = decoder.empty()
    picked: list[Action] = []
    table, parts = decoder.tokens, decoder.parts
    for token in tokens:
        action = table.get(token)
        if action is None:  # a number, a text, or a row the tables do not foresee
            question, part, value, *texty = token.split(":")
            action = parts.get((int(question), int(part)))
            if action is None:
                return None
            number = int(value) if value else None
            if texty:
                decimal, text = texty
                ok = _apply(
                    action,
                    cells,
                    picked,
                    number,
                    bytes.fromhex(text).decode(),
                    Decimal(decimal) if decimal else None,
                )
            else:
                ok = _apply(action, cells, picked, number, "", None)
            if not ok:
                return None
            continue
        kind = action[0]
        if kind == SET:
            cells[action[1]] = action[2]
        elif kind == PICK:
            picked.append(action)
        elif kind == SINGLE:
            if cells[action[1]]:
                return None
            cells[action[1]] = action[3]
    if picked:
        _picks_join(cells, picked)
    return cells


# Reading ------------------------------------------------------------------------------------------

# One row per response: its answer rows as tokens separated by spaces. A token is
# `question:part:value` (part as in `WideDecoder.parts`, value the integer or nothing), and for a
# row with a text or a decimal `:decimal:text`, the text in hex so that no character of it can
# split a token. One aggregate, so that the server builds few strings and the client few objects.
_TOKEN = (
    "a.question_id || ':' || COALESCE(a.option_id, -a.row_id, 0) || ':' || "
    "COALESCE(a.value_int::text, '') || CASE WHEN a.value_text = '' AND a.value_decimal IS NULL "
    "THEN '' ELSE ':' || COALESCE(a.value_decimal::text, '') || ':' || "
    "encode(convert_to(a.value_text, 'UTF8'), 'hex') END"
)
_TOKEN_SQL = (
    f"SELECT a.response_id, string_agg({_TOKEN}, ' ') FROM {{table}} a "
    "WHERE a.response_id {where} GROUP BY a.response_id ORDER BY a.response_id"
)
_FETCH = 500  # responses a fetch when aggregated (about 2 kB each)


def answer_cells(
    *, decoder: WideDecoder, responses: QuerySet | None = None, ids: Iterable[int] | None = None
) -> Iterator[tuple[int, Cells]]:
    """(response id, record) of each response of `responses` (or of `ids`) that has answers, by
    id; language and submitted_at are left empty. Streamed: memory stays flat at any size."""
    alias = responses.db if responses is not None else "default"
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return _cells_aggregated(decoder, connection, responses, ids)
    return _cells_from_row_tuples(decoder, connection, responses, ids)


def _cells_aggregated(
    decoder: WideDecoder, connection: Any, responses: QuerySet | None, ids: Iterable[int] | None
) -> Iterator[tuple[int, Cells]]:
    if responses is not None:
        selected, params = responses.order_by().values("pk").query.sql_with_params()
        where = f"IN ({selected})"
    else:
        where, params = "= ANY(%s)", (list(ids or []),)
    sql = _TOKEN_SQL.format(table=connection.ops.quote_name(Answer._meta.db_table), where=where)
    # A page of ids is read at once; a whole selection through a server-side cursor.
    with connection.cursor() if responses is None else connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(_FETCH):
            for response_id, tokens in chunk:
                yield response_id, cells_from_tokens(decoder, tokens.split(" "))


def _cells_from_row_tuples(
    decoder: WideDecoder, connection: Any, responses: QuerySet | None, ids: Iterable[int] | None
) -> Iterator[tuple[int, Cells]]:
    answers = Answer.objects.using(connection.alias)
    if responses is not None:
        answers = answers.filter(response__in=responses.order_by().values("pk"))
    else:
        answers = answers.filter(response_id__in=list(ids or []))
    query = answers.order_by("response_id").values_list("response_id", *ANSWER_FIELDS)
    convert = _decimal_converter(connection)
    if convert is None:  # a backend converting more than decimals: Django's own reading
        rows: Iterable[tuple] = query.iterator(chunk_size=CHUNK_SIZE)
    else:
        rows = _raw_rows(connection, query, convert)
    current, group = None, []
    for response_id, *fields in rows:
        if response_id != current:
            if group:
                yield current, cells_from_rows(decoder, group)
            current, group = response_id, []
        group.append(tuple(fields))
    if group:
        yield current, cells_from_rows(decoder, group)


def _raw_rows(connection: Any, query: QuerySet, convert: Callable[[Any], Any]) -> Iterator[tuple]:
    sql, params = query.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            for row in chunk:
                yield row if row[6] is None else (*row[:6], convert(row[6]))


def _decimal_converter(connection: Any) -> Callable[[Any], Any] | None:
    """What Django does to a value_decimal read on this backend (SQLite keeps decimals as REAL
    and rounds them to the field's places); None if it converts any other column too."""
    meta = Answer._meta
    found = {}
    for name in ("response_id", *ANSWER_FIELDS):
        column = meta.get_field(name.removesuffix("_id")).get_col(meta.db_table)
        # As Django's compiler gathers them for a column it reads.
        converters = connection.ops.get_db_converters(column)
        found[name] = (column, converters + column.get_db_converters(connection))
    if any(converters for name, (_c, converters) in found.items() if name != "value_decimal"):
        return None
    column, converters = found["value_decimal"]

    def convert(value: Any) -> Any:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert
