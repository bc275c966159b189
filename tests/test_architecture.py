"""The app's layers, checked from its source: no import cycle among the modules of documents/, and
arrows that point down (pages and the API → services → models, never back), with the rules as
data below (FORBIDDEN) so that a new package states its place.

The graph is read from each module's top-level imports (its AST), so an import hidden inside a
function is a smell the layer rules cannot see: see test_no_import_hides_inside_a_function."""

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "documents"

# Layer rules as data: a module in the first package may not import any module of the packages
# listed (a "package" is the first name under documents/: documents.models, documents.search, ...;
# documents.signals is a package of one module). Exceptions name the one import they allow, and why.
PRESENTATION = ("web", "api", "admin", "oai", "iiif", "citations", "templatetags")
INTERCHANGE = ("interchange",)
FOUNDATION = ("text", "dates", "sanitize", "validators", "roles", "files")
# Everything that reads or writes on behalf of someone: never imported by the layers below.
CALLERS = (*PRESENTATION, *INTERCHANGE, "signals", "filters", "crosswalk", "management")
# The tooling (benchmarks, corpus, load test, drills, side by side) lives in tools/, outside the app.
TOOLS = tuple(
    sorted(path.name for path in (ROOT / "tools").iterdir() if path.is_dir() and not path.name.startswith("."))
)
FORBIDDEN = {
    # The data and the read rules: nothing above them. (Models read each other lazily through
    # apps.get_model where one module cannot import another without a cycle: the Django way.)
    "models": (*CALLERS, "services", "search", "history", "ops"),
    # Plain helpers the models use: no models, nothing above.
    **dict.fromkeys(FOUNDATION, (*CALLERS, "models", "services", "search", "history", "ops")),
    # The search engine: reads models, knows nothing of who writes or shows them.
    "search": (*CALLERS, "services", "history"),
    # History records and reverts records: models and the index below it, nothing that calls it.
    "history": (*CALLERS, "services"),
    # Multi-model writes: models, history, search; never a page, the API or the admin.
    "services": CALLERS,
    # The import and export format: writes through models, history and search, as a service does.
    "interchange": (*PRESENTATION, "signals", "filters", "management"),
    # Running the site (routers, caches, health, backups): no page, API or admin of its own.
    "ops": (*PRESENTATION, *INTERCHANGE, "signals", "filters", "management"),
    # The receivers delegate to services, search and history; they serve no page.
    "signals": (*PRESENTATION, *INTERCHANGE, "filters", "management"),
    # Format crosswalk and filters: read models and the index.
    "crosswalk": (*PRESENTATION, *INTERCHANGE, "services", "history", "signals", "management"),
    "filters": (*PRESENTATION, *INTERCHANGE, "services", "history", "signals", "management"),
    # Public pages: never the admin or the API.
    "web": ("admin", "api", *INTERCHANGE, "management"),
    "oai": ("admin", "api", "web", *INTERCHANGE, "management"),
    "citations": ("admin", "api", "web", *INTERCHANGE, "management"),
    "iiif": ("admin", "api", *INTERCHANGE, "management"),
    "api": ("admin", "management"),
    "admin": ("api", "management"),
    # Migrations are frozen: they import no app code but the stable names of documents/files/ that
    # the fields' current definitions need (documents/files/__init__.py lists them).
    "migrations": (*CALLERS, *FOUNDATION[:-1], "models", "services", "search", "history", "ops"),
}
# (importer, imported): allowed across a rule above, with the reason.
ALLOWED = {
    # The infrastructure the index writes through: which database is the primary (a router).
    ("documents.search.outbox", "documents.ops.routers"): "search writes through the primary",
    ("documents.search.maintenance", "documents.ops.routers"): "search writes through the primary",
    ("documents.citations.views", "documents.web.headers"): "a draft's citation has a draft page's headers",
    ("documents.ops.unavailable", "documents.api.errors"): "handler500 answers an API address in the API's error shape",
}


def _modules():
    """{dotted name: (path, is a package)} for every module under documents/."""
    found = {}
    for path in sorted(APP.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, package)
    return found


MODULES = _modules()


def _resolve(module, is_package, name, level):
    if level == 0:
        return name
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports(module):
    """[(imported module, line)] of the module's top-level imports of documents modules."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node.module or "", node.level)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append((submodule if submodule in MODULES else target, node.lineno))
    return [(name, line) for name, line in found if name in MODULES]


GRAPH = {module: _imports(module) for module in MODULES}


def _package(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports(module):
    importlib.import_module(module)


def test_no_import_cycle():
    """Tarjan's strongly connected components over the top-level imports: none larger than one."""
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target, _ in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or any(target == node for target, _ in GRAPH[node]):
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    described = []
    for cycle in cycles:
        members = set(cycle)
        edges = [
            f"{module}:{line} imports {target}"
            for module in cycle
            for target, line in GRAPH[module]
            if target in members
        ]
        described.append(" ; ".join(edges))
    assert not cycles, "Import cycles:\n" + "\n".join(described)


def test_arrows_point_down():
    offending = []
    for module, imports in GRAPH.items():
        forbidden = FORBIDDEN.get(_package(module), ())
        for target, line in imports:
            if _package(target) in forbidden and (module, target) not in ALLOWED:
                offending.append(f"{MODULES[module][0].relative_to(ROOT)}:{line} imports {target}")
    assert not offending, "Imports against the layer rules (tests/test_architecture.py, FORBIDDEN):\n" + "\n".join(
        offending
    )


def test_no_import_hides_inside_a_function():
    """An import inside a function that only dodges a cycle hides an arrow pointing up. Allowed: the
    AppConfig's ready() (the Django place that connects the receivers and registers the admin)."""
    allowed_files = {"documents/apps.py"}
    allowed_packages = set()
    hidden = []
    for module, (path, _) in MODULES.items():
        relative = str(path.relative_to(ROOT))
        if relative in allowed_files or _package(module) in allowed_packages:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                names = ", ".join(alias.name for alias in node.names)
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("documents")):
                    hidden.append(
                        f"{relative}:{node.lineno} imports {names} from {'.' * node.level}{node.module or ''}"
                    )
    assert not hidden, "Imports inside functions:\n" + "\n".join(hidden)


def test_the_rules_name_real_packages():
    """A rule about a package that does not exist (a typo, a rename) would silently allow everything."""
    packages = {_package(module) for module in MODULES}
    unknown = sorted(set(FORBIDDEN) - packages)
    assert not unknown, f"FORBIDDEN names packages documents/ does not have: {unknown}"


def test_the_app_never_imports_the_tools():
    """tools/ is not deployed with the app: nothing under documents/ or archive_project/ imports it."""
    found = []
    for path in sorted([*APP.rglob("*.py"), *(ROOT / "archive_project").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in (*TOOLS, "tools")
            ]
    assert TOOLS and not found, "\n".join(found)


def test_arrows_are_checked_both_ways_in_the_layers_drawn():
    """The graph has the edges the rules are about: a sanity check that the AST reading sees imports."""
    edges = defaultdict(set)
    for module, imports in GRAPH.items():
        for target, _ in imports:
            edges[_package(module)].add(_package(target))
    assert "models" in edges["web"] and "models" in edges["services"]


def _is_field(func):
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name.endswith(("Field", "ForeignKey"))


def test_no_model_declares_a_field_its_base_declares():
    """A field declared again, the same, on a subclass (Document.modified_by beside VersionedModel's) is
    two definitions of one column that can drift apart: each field is declared once, read from the
    AST. (A subclass that overrides a field with another definition, as RelationType.name, is not a copy.)"""
    declared, bases = {}, {}
    for path in sorted((APP / "models").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [base.id for base in node.bases if isinstance(base, ast.Name)]
                declared[node.name] = {
                    target.id: (f"{path.relative_to(ROOT)}:{statement.lineno}", ast.dump(statement.value))
                    for statement in node.body
                    if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)
                    for target in statement.targets
                    if isinstance(target, ast.Name) and _is_field(statement.value.func)
                }

    def inherited(name, seen=()):
        for base in bases.get(name, ()):
            if base not in seen:
                yield base
                yield from inherited(base, (*seen, base))

    twice = [
        f"{where}: {cls}.{field} is declared by {base} too, the same"
        for cls, fields in declared.items()
        for field, (where, definition) in fields.items()
        for base in inherited(cls)
        if declared.get(base, {}).get(field, (None, None))[1] == definition
    ]
    assert not twice, "\n".join(twice)


def test_no_model_overrides_a_private_django_method():
    """Django's private hooks (Model._do_update, _save_table...) change without notice between versions:
    the models override public API only (save, from_db, refresh_from_db...)."""
    private = [
        f"{klass.__module__}.{klass.__qualname__}.{name}"
        for model in apps.get_app_config("documents").get_models()
        for klass in model.__mro__
        if klass.__module__.startswith("documents.")
        for name in vars(klass)
        if name.startswith("_") and not name.startswith("__") and hasattr(models.Model, name)
    ]
    assert not private, f"Overrides of Django's private Model methods: {sorted(set(private))}"
