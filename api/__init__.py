"""The research API under /api/v1/: REST (Django REST Framework) and an OData v4 feed.

An interface like the pages: views check access through `accounts.permissions`, read through the
selectors and services of `surveys` and `analytics`, and show aggregates to aggregates-only users
only through `analytics.disclosure`. docs/api.md is its guide.
"""
