"""`manage.py seed_paper_dataset`: the paper's 4790 synthetic responses, for demonstrations."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count

from surveys.formats.definitions import DefinitionError, definition_parse, questionnaire_load
from surveys.management.seed import SEED, SLUG, WEST_REGIONS, SeedError, paper_responses_build
from surveys.models import Answer, Response, Survey
from surveys.selectors import survey_schema_get
from surveys.services import responses_bulk_create

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "questionnaires" / f"{SLUG}.yaml"


class Command(BaseCommand):
    help = (
        f"Load the {SLUG} questionnaire if missing and store 4790 synthetic responses whose "
        "western part reproduces the paper's tables. Does nothing if the survey already has "
        "responses, unless --force (which deletes ALL of its responses first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=SEED, help="random seed (default %(default)s)"
        )
        parser.add_argument(
            "--force", action="store_true", help="delete the survey's responses and seed again"
        )

    def handle(self, *args: object, seed: int, force: bool, **options: object) -> None:
        started = time.perf_counter()
        survey = Survey.objects.filter(slug=SLUG).first()
        if survey is None:
            survey = self._load()
        existing = dict(
            survey.responses.values_list("source").annotate(n=Count("id")).order_by("source")
        )
        if existing and not force:
            self.stdout.write(
                f"{SLUG} is already seeded ({self._describe(existing)}); nothing to do. "
                "Use --force to delete its responses and seed again."
            )
            return
        schema = survey_schema_get(survey=survey)
        try:
            items = paper_responses_build(schema=schema, seed=seed)
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        generated = time.perf_counter()
        with transaction.atomic():
            if existing:
                # Answers first, in one statement, rather than through the cascade collector.
                Answer.objects.filter(response__survey=survey).delete()
                survey.responses.all().delete()
                self.stdout.write(f"Deleted {self._describe(existing)}.")
            count = responses_bulk_create(
                survey=survey, schema=schema, items=items, source=Response.Source.SEED
            )
        finished = time.perf_counter()
        rows = Answer.objects.filter(response__survey=survey).count()
        west = sum(item.result.answers["region"].options[0] in WEST_REGIONS for item in items)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {SLUG}: {count} responses ({west} in the four western regions), "
                f"{rows} answer rows, seed {seed}; generated and validated in "
                f"{generated - started:.1f} s, stored in {finished - generated:.1f} s."
            )
        )

    def _load(self) -> Survey:
        try:
            text = QUESTIONNAIRE.read_text(encoding="utf-8")
            survey = questionnaire_load(data=definition_parse(text=text))
        except (OSError, DefinitionError) as exc:
            errors = getattr(exc, "errors", [str(exc)])
            raise CommandError(f"{QUESTIONNAIRE} was not loaded:\n" + "\n".join(errors)) from exc
        self.stdout.write(f"Loaded {SLUG} from {QUESTIONNAIRE.name}.")
        return survey

    @staticmethod
    def _describe(by_source: dict[str, int]) -> str:
        total = sum(by_source.values())
        parts = ", ".join(f"{n} {source}" for source, n in sorted(by_source.items()))
        return f"{total} responses: {parts}"
