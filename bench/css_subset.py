"""Build static/css/respondent.css: only the Bootstrap rules the respondent's pages can use.

    python bench/css_subset.py [--check]

The respondent's pages (templates/surveys/, base.html and what it includes, the question markup
made in surveys/respond/forms.py, and the classes survey.js sets) name a few dozen of Bootstrap's
hundreds of classes. A selector is kept when every class in it is one of those; rules with no
class at all (the reboot, `:root`'s variables) are kept whole; @media and @supports blocks are
filtered the same way and dropped when empty; @keyframes are kept only if a kept rule names them.
Staff pages keep the full Bootstrap. `--check` fails when the committed file is not what the
templates make today (CI: a template gained a class the subset lacks).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "static" / "css" / "respondent.css"
SOURCES = [
    *sorted((ROOT / "templates" / "surveys").glob("*.html")),
    ROOT / "templates" / "base.html",
    ROOT / "templates" / "includes" / "language_switch.html",
    ROOT / "templates" / "registration" / "account_nav.html",
    ROOT / "surveys" / "respond" / "forms.py",
    ROOT / "static" / "js" / "survey.js",
]
# Classes Bootstrap's own rules need alongside ours: a focused button, a checked input.
ALWAYS = {"active", "show", "disabled", "focus"}
CLASS_ATTR = re.compile(r"""class=["']([^"']*)["']|classList\.\w+\(["']([^"']+)""")
WORD = re.compile(r"[a-z][a-z0-9-]*")
SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")


def used_classes() -> set[str]:
    used = set(ALWAYS)
    for path in SOURCES:
        text = path.read_text()
        for match in CLASS_ATTR.finditer(text):
            # Template tags inside the attribute add words, not classes: harmless extras.
            used.update(WORD.findall(match.group(1) or match.group(2)))
    return used


def bootstrap_css() -> str:
    from config.settings.base import _bootstrap_dir

    folder = _bootstrap_dir()
    if folder is None:
        raise SystemExit("XStatic-Bootstrap is not installed")
    return (folder / "css" / "bootstrap.min.css").read_text()


def split_top(text: str, sep: str = ",") -> list[str]:
    """`text` split at `sep` outside brackets (a selector list with :not(a, b) inside)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def blocks(css: str) -> list[tuple[str, str]]:
    """Top-level (prelude, body) pairs; an @import or @charset gets an empty body."""
    out, i = [], 0
    while i < len(css):
        brace = css.find("{", i)
        semi = css.find(";", i)
        if brace < 0:
            break
        if 0 <= semi < brace and css[i:semi].strip().startswith("@"):
            out.append((css[i : semi + 1].strip(), ""))
            i = semi + 1
            continue
        depth, j = 1, brace + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        out.append((css[i:brace].strip(), css[brace + 1 : j - 1]))
        i = j
    return out


def keep_selector(selector: str, used: set[str]) -> bool:
    return all(name in used for name in SELECTOR_CLASS.findall(selector))


def purge(css: str, used: set[str]) -> str:
    out = []
    for prelude, body in blocks(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        if prelude.startswith(("@media", "@supports", "@container", "@layer")):
            inner = purge(body, used)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@keyframes") or prelude.startswith("@-webkit-keyframes"):
            out.append(f"{prelude}{{{body}}}")  # pruned below, once the kept rules are known
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{body}}}" if body else prelude)
        else:
            kept = [s.strip() for s in split_top(prelude) if keep_selector(s, used)]
            if kept:
                out.append(f"{','.join(kept)}{{{body}}}")
    return "".join(out)


def keyframes(name: str) -> str:
    """A pattern for the @keyframes block of `name` (a regex for any name by default)."""
    return r"@(-webkit-)?keyframes " + name + r"\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}"


def drop_unused_keyframes(css: str) -> str:
    rest = re.sub(keyframes(r"[\w-]+"), "", css)
    for name in re.findall(r"@keyframes ([\w-]+)", css):
        if not re.search(rf"animation(-name)?:[^;}}]*\b{re.escape(name)}\b", rest):
            css = re.sub(keyframes(re.escape(name)), "", css)
    return css


def build() -> str:
    subset = drop_unused_keyframes(purge(bootstrap_css(), used_classes()))
    header = (
        "/* Bootstrap 5.3 (MIT, https://getbootstrap.com), only the rules the respondent's pages"
        " use. Made by bench/css_subset.py: do not edit. */\n"
    )
    return header + subset + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    css = build()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != css:
            raise SystemExit(f"{OUTPUT.relative_to(ROOT)} is stale: run bench/css_subset.py")
        return
    OUTPUT.write_text(css)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(css):,} bytes (Bootstrap: {len(bootstrap_css()):,})")


if __name__ == "__main__":
    main()
