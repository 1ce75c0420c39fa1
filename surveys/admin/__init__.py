"""The Django admin of surveys; importing its modules registers their pages.

Django imports `surveys.admin`: `questionnaire` registers the questionnaire's pages (their forms in
`forms`, their structure writes through the builder in `structure` and `writes`, their files in
`resources`), `responses` the read-only responses.
"""

from surveys.admin import questionnaire, responses  # noqa: F401
