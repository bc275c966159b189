"""The README's configuration table and archive_project/settings.py name the same environment variables:
a variable that settings reads without a row fails, and so does a row for one it no longer reads. Where
settings gives a variable a literal default, the row's default says it.

Settings is read as source (with ast), not imported: what matters is every name it could read, whichever
branch a given environment takes."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "archive_project" / "settings.py"
README = ROOT / "README.md"

# A default that settings computes (from another setting, a path, a condition) has no literal to compare.
COMPUTED = object()


def literal(node):
    """The value of a default written as a literal, str(a literal) or arithmetic on literals; else COMPUTED."""
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Call(func=ast.Name(id="str"), args=[argument]):
            value = literal(argument)
            return COMPUTED if value is COMPUTED else str(value)
        case ast.BinOp(left=left, op=ast.Mult() | ast.Add() | ast.Sub() as op, right=right):
            left, right = literal(left), literal(right)
            if COMPUTED in (left, right) or not all(isinstance(value, int) for value in (left, right)):
                return COMPUTED
            return {ast.Mult: left * right, ast.Add: left + right, ast.Sub: left - right}[type(op)]
    return COMPUTED


def is_environ(node):
    return ast.unparse(node) == "os.environ"


def environment_reads():
    """{name: [default, ...]} for every variable settings.py reads, with each read's default (None
    where it has none): os.environ.get(NAME, default), os.environ[NAME], NAME in os.environ,
    dj_database_url.config() (DATABASE_URL), and calls to its own helpers that take the name first
    (env_bool, env_list)."""
    tree = ast.parse(SETTINGS.read_text())
    helpers = {
        function.name: function.args.args[0].arg
        for function in tree.body
        if isinstance(function, ast.FunctionDef)
        and function.args.args
        and f"os.environ.get({function.args.args[0].arg}" in ast.unparse(function)
    }
    reads, unnamed = {}, []

    def read(key, default, node, helper_argument=None):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            reads.setdefault(key.value, []).append(default)
        elif not (isinstance(key, ast.Name) and key.id == helper_argument):
            unnamed.append(f"line {node.lineno}: {ast.unparse(node)}")

    def visit(node, helper_argument=None):
        if isinstance(node, ast.FunctionDef):
            helper_argument = helpers.get(node.name)
        match node:
            case ast.Call(func=ast.Attribute(value=environ, attr="get"), args=[key, *default]) if is_environ(environ):
                read(key, literal(default[0]) if default else None, node, helper_argument)
            case ast.Subscript(value=environ, slice=key) if is_environ(environ):
                read(key, None, node, helper_argument)
            case ast.Compare(left=key, ops=[ast.In() | ast.NotIn()], comparators=[environ]) if is_environ(environ):
                read(key, None, node, helper_argument)
            case ast.Call(func=ast.Name(id=name), args=[key, *default]) if name in helpers:
                read(key, literal(default[0]) if default else None, node)
            case ast.Call(func=ast.Attribute(value=ast.Name(id="dj_database_url"), attr="config")):
                env = next((keyword.value for keyword in node.keywords if keyword.arg == "env"), None)
                read(env or ast.Constant("DATABASE_URL"), None, node)
        for child in ast.iter_child_nodes(node):
            visit(child, helper_argument)

    visit(tree)
    assert not unnamed, "settings.py reads variables whose names are not written out:\n" + "\n".join(unnamed)
    return reads


def readme_rows():
    """{name: default cell} from the table in the README's Configuration section."""
    text = README.read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (.+) \|$", section, flags=re.MULTILINE)
    names = [name for name, _, _ in rows]
    duplicates = {name for name in names if names.count(name) > 1}
    assert not duplicates, f"rows given twice in the README: {sorted(duplicates)}"
    return {name: default for name, default, _ in rows}


def test_every_variable_that_settings_reads_has_a_row_in_the_readme_and_every_row_is_read():
    read = set(environment_reads())
    documented = set(readme_rows())
    assert not read - documented, (
        f"settings.py reads these, the README's table does not list them: {sorted(read - documented)}"
    )
    assert not documented - read, (
        f"the README's table lists these, settings.py does not read them: {sorted(documented - read)}"
    )


def test_each_row_gives_the_default_that_settings_gives():
    rows = readme_rows()
    wrong = []
    for name, defaults in environment_reads().items():
        cell = rows.get(name, "")
        if not cell.strip():
            wrong.append(f"{name}: no default in the README")
        for default in defaults:
            if default is None or default is COMPUTED or default == "":
                continue  # none, computed, or empty (which settings reads as "derive it"): the row says which
            if isinstance(default, bool):
                if not cell.startswith("on" if default else "off"):
                    wrong.append(f"{name}: settings' default is {'on' if default else 'off'}, the README says {cell!r}")
            elif f"`{default}`" not in cell and f'"{default}"' not in cell:
                wrong.append(f"{name}: settings' default is {default!r}, the README says {cell!r}")
    assert not wrong, "\n".join(wrong)


def test_the_reader_sees_what_a_new_variable_looks_like():
    """The extraction finds each kind of read that settings.py uses, so a new one cannot slip past."""
    reads = environment_reads()
    assert reads["DJANGO_CONN_MAX_AGE"] == ["60"]  # os.environ.get with a default
    assert reads["AWS_STORAGE_BUCKET_NAME"][0] is None  # os.environ[...]
    assert reads["DJANGO_DEBUG"] == [False]  # a helper of settings' own
    assert reads["DJANGO_PG_WORK_MEM"] == ["64MB"]  # inside an f-string
    assert reads["SCAN_MAX_BYTES"] == [str(50 * 1024 * 1024)]  # str() of arithmetic
    assert reads["DATABASE_URL"] == [None]  # through dj-database-url
