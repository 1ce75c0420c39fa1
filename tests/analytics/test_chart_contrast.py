"""The charts' colours meet WCAG 2.1 AA: text on every bar colour the palette can give, and the
labels on the white page (docs/accessibility.md)."""

from __future__ import annotations

import pytest

from analytics import svg


def test_the_contrast_ratio_is_the_wcag_one():
    assert svg.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert svg.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert svg.contrast("#ffffff", "#777777") == svg.contrast("#777777", "#ffffff")


@pytest.mark.parametrize("points", range(1, 13))
def test_text_on_every_bar_colour_of_any_palette_reaches_aa(points):
    for fill in svg.palette([str(p) for p in range(points)]).values():
        assert svg.contrast(svg.ink(fill), fill) >= 4.5, fill


def test_text_on_every_point_of_the_colour_scale_reaches_aa():
    for step in range(1001):
        fill = svg.viridis(step / 1000)
        assert svg.contrast(svg.ink(fill), fill) >= 4.5, fill


def test_labels_on_the_white_page_reach_aa():
    assert svg.contrast("#222222", "#ffffff") >= 4.5
