"""Weighting: schemes of population totals raked onto the complete responses (docs/weighting.md)."""
