from django.core.management.base import BaseCommand, CommandError

from analytics.weighting.demo import DEMO_LABEL, DEMO_NAME, DEMO_TARGETS, DEMO_TRIM
from analytics.weighting.models import WeightingScheme
from analytics.weighting.services import weighting_scheme_save
from surveys.management.seed import SLUG
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        f"Create (or update) the demonstration weighting scheme “{DEMO_NAME}” of {SLUG}: "
        "illustrative totals by region and body level (docs/weighting.md)."
    )

    def handle(self, *args: object, **options: object) -> None:
        survey = Survey.objects.filter(slug=SLUG).first()
        if survey is None:
            raise CommandError(f"No survey {SLUG}: run seed_paper_dataset first.")
        scheme = weighting_scheme_save(
            survey=survey,
            name=DEMO_NAME,
            label=DEMO_LABEL,
            targets=DEMO_TARGETS,
            trim_low=DEMO_TRIM[0],
            trim_high=DEMO_TRIM[1],
            scheme=WeightingScheme.objects.filter(survey=survey, name=DEMO_NAME).first(),
        )
        self.stdout.write(f"{scheme}: {scheme.status} {scheme.summary}")
