"""Multi-column statistics of the answers' cells, so PostgreSQL plans the results' GROUP BY right.

Without them the planner multiplies the columns' distinct counts as if independent and expects
millions of groups where a questionnaire has a few hundred (583 for the 2022 survey), so with a
filter and weights at a million responses it sorted every answer row on disk instead of hashing
them: 314 s against the floor's 73 s (bench/README.md). `ndistinct` statistics give it the true
number. PostgreSQL only; ANALYZE (autovacuum's, or the one below) fills them.
"""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS answer_cells_ndistinct (ndistinct) "
    "ON question_id, option_id, row_id, value_int, value_decimal FROM surveys_answer"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute("ANALYZE surveys_answer")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS answer_cells_ndistinct")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0008_answer_marks_respondent"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
