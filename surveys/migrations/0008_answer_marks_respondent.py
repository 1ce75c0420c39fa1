from django.db import migrations, models

# One marked row per (response, question) already stored: the first written (lowest id), as
# `answer_rows_build` marks new ones. Plain SQL that both PostgreSQL and SQLite run.
MARK = (
    "UPDATE surveys_answer SET marks_respondent = TRUE WHERE id IN "
    "(SELECT MIN(id) FROM surveys_answer GROUP BY response_id, question_id)"
)
UNMARK = "UPDATE surveys_answer SET marks_respondent = FALSE"


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_note_decimal"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="marks_respondent",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="counts the respondent"
            ),
        ),
        migrations.RunSQL(MARK, UNMARK, elidable=False),
    ]
