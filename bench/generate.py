"""Create the bench database of one size and fill it with N complete responses at COPY speed.

    python bench/generate.py --size 100000 [--force] [--keep-indexes]

The answers are the seed generator's: the 4790 deterministic responses of `surveys.management.seed`
are generated, validated and turned into answer rows (`answer_rows_build`) once, then replicated
under new response ids (and new keys) until there are N. Every frequency table therefore has the
shape of the real seed data at any size; that the same 4790 answer sets repeat is fine for timing a
GROUP BY, and is said in the README.

Loading is one transaction: TRUNCATE, drop the answer table's secondary indexes and foreign keys,
`COPY ... FROM STDIN (FREEZE)` both tables, recreate exactly the dropped definitions (read from
the catalogue first, so they are whatever the migrations made), then VACUUM ANALYZE. A database
that already holds N responses of the same questionnaire and generator is reused.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import time
import uuid
from datetime import UTC, datetime

from common import (
    QUESTIONNAIRE,
    ROOT,
    bench_survey,
    database_exists,
    database_name,
    django_setup,
    pg_connect,
)

RESPONSE_COLUMNS = (
    "id, survey_id, key, record_key, invitation_tag, language, status, source, started_at,"
    " updated_at, submitted_at"
)
ANSWER_COLUMNS = (
    "response_id, question_id, option_id, row_id, value_int, value_text, marks_respondent"
)
BATCH = 2000  # responses per COPY write
PLACEHOLDER = b"\x00"  # stands for the response id in an answer block; never in COPY text
# Database bytes per response (heap and indexes: 14-15 kB measured), plus room for WAL.
BYTES_PER_RESPONSE = 25_000


def fingerprint() -> str:
    """What the data depends on besides its size: a change to any of these makes it stale."""
    digest = hashlib.sha256()
    seed = ROOT / "surveys" / "management"
    for path in (QUESTIONNAIRE, seed / "seed.py", seed / "seed_answers.py", seed / "seed_data.py"):
        digest.update(path.read_bytes())
    digest.update(ANSWER_COLUMNS.encode())  # rows of another layout: stale
    return digest.hexdigest()[:16]


def database_prepare(size: int, force: bool) -> str:
    """ "reuse" (it holds this size), "reload" (same questionnaire, other data) or "new"."""
    name = database_name(size)
    if database_exists(size):
        with pg_connect(size, autocommit=True) as conn:
            meta = conn.execute("SELECT to_regclass('bench_meta')").fetchone()
            stored = meta and meta[0] and conn.execute("SELECT size, fingerprint FROM bench_meta")
            stored = stored.fetchone() if stored else None
        if not force and stored and stored[1] == fingerprint():
            # A database made from another size's (CREATE DATABASE ... TEMPLATE) is reloaded.
            return "reuse" if stored[0] == size else "reload"
        with pg_connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    with pg_connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return "new"


def disk_check(size: int) -> None:
    with pg_connect(autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    try:
        free = shutil.disk_usage(row[0] if row else "/").free
    except OSError:  # the server's data directory is not visible from here
        return
    needed = size * BYTES_PER_RESPONSE
    if needed > free:
        raise SystemExit(
            f"{size} responses need about {needed / 1e9:.0f} GB; only {free / 1e9:.0f} GB are free."
        )


def _copy_text(value: object) -> bytes:
    """One field in COPY's text format."""
    if value is None:
        return b"\\N"
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, escaped)
    return text.encode()


def templates_build(schema) -> list[tuple[bytes, bytes]]:
    """Per seed response: its response fields after the id and key, and its answer block."""
    from surveys.management.seed import paper_responses_build
    from surveys.services import answer_rows_build

    now = datetime.now(UTC).isoformat()
    templates = []
    for item in paper_responses_build(schema=schema):
        fields = (item.language, "complete", "seed", item.started_at.isoformat(), now,
                  item.submitted_at.isoformat())  # fmt: skip
        head = b"\t".join(_copy_text(f) for f in fields)
        rows = answer_rows_build(schema=schema, response_id=0, answers=item.result.answers)
        block = b"".join(
            PLACEHOLDER
            + b"\t"
            + b"\t".join(
                _copy_text(v)
                for v in (a.question_id, a.option_id, a.row_id, a.value_int, a.value_text)
            )
            + (b"\tt" if a.marks_respondent else b"\tf")
            + b"\n"
            for a in rows
        )
        templates.append((head, block))
    return templates


def answer_ddl(conn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The answer table's secondary indexes and foreign keys, as the catalogue defines them."""
    indexes = conn.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'surveys_answer'::regclass AND NOT x.indisprimary ORDER BY 1"
    ).fetchall()
    foreign_keys = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'surveys_answer'::regclass AND contype = 'f' ORDER BY 1"
    ).fetchall()
    # Every index must be a plain one: a constraint-backed index would need ADD CONSTRAINT.
    backed = conn.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'surveys_answer'::regclass "
        "AND contype IN ('u', 'x')"
    ).fetchone()
    if backed and backed[0]:
        raise SystemExit("surveys_answer has UNIQUE constraints; teach answer_ddl about them.")
    return indexes, foreign_keys


def load(size: int, survey_id: int, templates: list[tuple[bytes, bytes]], keep: bool) -> None:
    rng = random.Random(size)
    step = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal step
        now = time.perf_counter()
        print(f"  {what:<58} {now - step:7.1f} s", flush=True)
        step = now

    with pg_connect(size) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET synchronous_commit = off")
        indexes, foreign_keys = answer_ddl(conn)
        # CASCADE: what refers to responses (weights, snapshots' sources) goes with them.
        conn.execute("TRUNCATE surveys_answer, surveys_response RESTART IDENTITY CASCADE")
        if not keep:
            for name, _definition in foreign_keys:
                conn.execute(f'ALTER TABLE surveys_answer DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                conn.execute(f'DROP INDEX "{name}"')
        survey = str(survey_id).encode()
        with conn.cursor().copy(
            f"COPY surveys_response ({RESPONSE_COLUMNS}) FROM STDIN (FREEZE)"
        ) as copy:
            for start in range(1, size + 1, BATCH):
                copy.write(
                    b"".join(
                        # A record key as the web gives one (analytics.disclosure); no tag.
                        b"%d\t%s\t%s\t%d\t\t%s\n"
                        % (rid, survey, str(uuid.UUID(int=rng.getrandbits(128))).encode(),
                           rng.randrange(256), templates[(rid - 1) % len(templates)][0])
                        for rid in range(start, min(start + BATCH, size + 1))
                    )
                )  # fmt: skip
        lap(f"COPY {size} responses")
        answers = 0
        with conn.cursor().copy(
            f"COPY surveys_answer ({ANSWER_COLUMNS}) FROM STDIN (FREEZE)"
        ) as copy:
            for start in range(1, size + 1, BATCH):
                chunk = b"".join(
                    templates[(rid - 1) % len(templates)][1].replace(PLACEHOLDER, b"%d" % rid)
                    for rid in range(start, min(start + BATCH, size + 1))
                )
                answers += chunk.count(b"\n")
                copy.write(chunk)
        lap(f"COPY {answers} answer rows" + (" (indexes kept)" if keep else ""))
        if not keep:
            for name, definition in indexes:
                conn.execute(definition)
                lap(f"CREATE INDEX {name}")
            for name, definition in foreign_keys:
                conn.execute(f'ALTER TABLE surveys_answer ADD CONSTRAINT "{name}" {definition}')
                lap(f"ADD CONSTRAINT {name[:40]}")
        conn.execute("SELECT setval(pg_get_serial_sequence('surveys_response', 'id'), %s)", [size])
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (size int, fingerprint text)")
        conn.execute("TRUNCATE bench_meta")
        conn.execute("INSERT INTO bench_meta VALUES (%s, %s)", [size, fingerprint()])
        conn.commit()
        lap("COMMIT")
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE surveys_response, surveys_answer")
        lap("VACUUM ANALYZE")


def generate(size: int, force: bool = False, keep_indexes: bool = False) -> None:
    started = time.perf_counter()
    state = database_prepare(size, force)
    if state != "reuse":
        disk_check(size)
    django_setup(size)
    from django.core.management import call_command

    from surveys.selectors import survey_schema_get

    call_command("migrate", verbosity=0, interactive=False)  # also on reuse: new migrations
    if state == "reuse":
        print(f"{database_name(size)}: {size} responses already there; reused.")
        return
    if state == "new":
        call_command("load_questionnaire", str(QUESTIONNAIRE), verbosity=0)
    survey = bench_survey()
    kept = "loaded" if state == "new" else "kept"
    print(f"{database_name(size)}: migrated, questionnaire {kept}", flush=True)
    step = time.perf_counter()
    templates = templates_build(survey_schema_get(survey=survey))
    print(f"  {len(templates)} seed responses generated, validated, rows built"
          f"{' ' * 17}{time.perf_counter() - step:7.1f} s", flush=True)  # fmt: skip
    load(size, survey.id, templates, keep_indexes)
    print(f"{database_name(size)}: generated in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--force", action="store_true", help="drop and generate even if present")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="COPY into the indexed table (for comparison)"
    )
    args = parser.parse_args()
    generate(args.size, force=args.force, keep_indexes=args.keep_indexes)


if __name__ == "__main__":
    main()
