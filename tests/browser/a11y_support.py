"""axe-core run in the page, limited to the WCAG 2.0/2.1 A and AA rules.

axe-playwright-python carries axe-core's script inside the package (axe.min.js): the check needs no
network. A violation is reported with its rule and the selector of every element it was found on.
"""

from __future__ import annotations

from typing import Any

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def axe_report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"{violation['id']}: {target} ({violation['help']})")
    return "\n".join(lines)


def axe_assert_clean(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where} ({page.url}):\n{axe_report(violations)}"
