"""The house's rules, read from the code's own imports (README, "Architecture").

Every module of the repository is parsed with `ast` and each import is taken, those inside a
function too: a function-level import still ties two modules together, it only waits to run.
Three rules are checked:

- the core of `surveys` (the modules at its root and `surveys.models`) imports no other module
  of the project than the core itself and `config.tasks`: not the interfaces (`surveys.respond`,
  `.builder`, `.formats`, `.admin`, `.management`), nor `analytics`, nor `accounts`, which stands
  on the core as the interfaces do (its models point at `Survey`);
- `analytics/tables*.py` and `analytics/_stats.py` import no Django, directly or through a module
  of the project;
- no module takes part in an import circle.

The second half of the file runs the same checks on a small made-up tree, to show that each one
fails when a wrong import is added.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "analytics", "bench", "config", "surveys")
# Scripts run with their own folder on sys.path (`python bench/run.py` imports `bench_export`).
SCRIPT_FOLDERS = ("bench",)
CORE_ALSO_IMPORTS = frozenset({"config.tasks"})
# Libraries that cannot be imported without Django configured.
DJANGO_BOUND = frozenset({"django", "import_export", "crispy_forms", "axes", "csp", "whitenoise"})


@dataclass
class Module:
    name: str
    is_package: bool = False
    imports: set[str] = field(default_factory=set)  # modules of the project
    external: set[str] = field(default_factory=set)  # top-level names of everything else


Graph = dict[str, Module]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The dotted name of everything an import statement loads: `from a import b` gives `a.b`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1])
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        for alias in node.names:
            yield f"{source}.{alias.name}"


def graph_read(root: Path, packages: Iterable[str] = PACKAGES) -> Graph:
    """The import graph of the modules under `root`'s packages, function-level imports included."""
    sources = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: Graph = {}
    for name, path in sources.items():
        is_package = path.name == "__init__.py"
        node = Module(name, is_package)
        script_folder = name.split(".")[0] if name.split(".")[0] in SCRIPT_FOLDERS else None
        for statement in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for candidate in _imported_names(statement, name, is_package):
                # The module itself when there is one (`from a import b`, b a module), else the
                # module that defines the name; a script's sibling when run from its folder.
                for dotted in (candidate, f"{script_folder}.{candidate}" if script_folder else ""):
                    while dotted and dotted not in sources:
                        dotted = dotted.rpartition(".")[0]
                    if dotted:
                        break
                if not dotted:
                    node.external.add(candidate.split(".")[0])
                elif dotted != name:
                    node.imports.add(dotted)
        graph[name] = node
    return graph


def is_core(module: Module) -> bool:
    """The modules at the root of `surveys` (not its subpackages) and the models package."""
    parts = module.name.split(".")
    if parts[0] != "surveys":
        return False
    return len(parts) == 1 or parts[1] == "models" or (len(parts) == 2 and not module.is_package)


def core_violations(graph: Graph) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name, module in graph.items()
        if is_core(module)
        for target in module.imports
        if not is_core(graph[target]) and target not in CORE_ALSO_IMPORTS
    )


def reachable(graph: Graph, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in graph[todo.pop()].imports:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def is_table_module(name: str) -> bool:
    return name.startswith("analytics.tables") or name == "analytics._stats"


def table_violations(graph: Graph) -> list[str]:
    return sorted(
        f"{name} reaches {bound} through {via}"
        for name in graph
        if is_table_module(name)
        for via in sorted(reachable(graph, name))
        for bound in sorted(graph[via].external & DJANGO_BOUND)
    )


def circles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        # The graph is a few hundred modules deep at most: recursion is fine.
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in sorted(graph[name].imports):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


@pytest.fixture(scope="module")
def house() -> Graph:
    return graph_read(ROOT)


def test_the_walk_sees_the_house(house):
    # A walk that read nothing would pass every rule below.
    assert {"surveys.services", "surveys.respond.views", "analytics.tables"} <= set(house)
    assert "surveys.models" in house["surveys.respond.views"].imports
    assert "django" in house["surveys.respond.views"].external


def test_the_core_of_surveys_imports_no_interface(house):
    assert core_violations(house) == []


def test_the_table_modules_import_no_django(house):
    assert [name for name in house if is_table_module(name)], "no table module found"
    assert table_violations(house) == []


def test_no_module_takes_part_in_an_import_circle(house):
    assert circles(house) == []


# The same rules on a made-up tree: each fails when a wrong import is added.


def _tree(root: Path, files: dict[str, str]) -> Graph:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    for package in ("surveys", "surveys/respond", "analytics", "accounts"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").touch()
    return graph_read(root, ("accounts", "analytics", "surveys"))


SOUND = {
    "surveys/models.py": "from django.db import models\n",
    "surveys/services.py": "from surveys.models import Survey\n",
    "surveys/respond/views.py": "from surveys import services\nfrom . import forms\n",
    "surveys/respond/forms.py": "from surveys.services import response_save\n",
    "analytics/_stats.py": "import math\n",
    "analytics/tables.py": "import pandas\nfrom analytics import _stats\n",
    "accounts/invitations.py": "from surveys.models import Survey\n",
}


def test_a_sound_made_up_tree_passes(tmp_path):
    graph = _tree(tmp_path, SOUND)
    assert graph["surveys.respond.views"].imports == {"surveys.services", "surveys.respond.forms"}
    assert (core_violations(graph), table_violations(graph), circles(graph)) == ([], [], [])


@pytest.mark.parametrize(
    "added",
    [
        # A function-level import counts: it only waits to run.
        "def later():\n    from surveys.respond.views import page\n",
        "from accounts.invitations import invitation_use\n",
        "import surveys.respond.forms\n",
    ],
)
def test_a_core_module_importing_an_interface_fails(tmp_path, added):
    graph = _tree(tmp_path, {**SOUND, "surveys/services.py": SOUND["surveys/services.py"] + added})
    assert core_violations(graph)


def test_a_table_module_reaching_django_through_the_project_fails(tmp_path):
    stats = "import math\n\ndef rounded():\n    from surveys import models\n"
    graph = _tree(tmp_path, {**SOUND, "analytics/_stats.py": stats})
    assert table_violations(graph) == [
        "analytics._stats reaches django through surveys.models",
        "analytics.tables reaches django through surveys.models",
    ]


def test_a_circle_through_a_function_level_import_fails(tmp_path):
    models = SOUND["surveys/models.py"] + "def late():\n    from surveys import services\n"
    graph = _tree(tmp_path, {**SOUND, "surveys/models.py": models})
    assert circles(graph) == [["surveys.models", "surveys.services"]]
