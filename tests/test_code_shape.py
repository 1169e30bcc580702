"""The size limits of the code (docs/architecture.md, "Rules that keep it so").

No Python file outside migrations holds more than 600 lines, and no function more than 80: a module that
grows past that is split by topic, a function by step. The demo app stays at most 1,500 lines of code: it
makes its data through the product's services and must never grow an engine of its own again. Complexity
(ruff's C901 at 15, PLR0915) and the import contracts (.importlinter, ``lint-imports``) are checked by
``make test`` before pytest runs.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
MAX_DEMO_CODE_LINES = 1_500
SKIPPED_DIRS = {".venv", "migrations", "node_modules", "var", "staticfiles", "test-artifacts", ".git"}


def project_files() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py") if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts))


def test_the_walk_sees_the_project():
    names = {path.relative_to(ROOT).as_posix() for path in project_files()}
    assert {"manage.py", "voucherhub/settings.py", "tests/test_code_shape.py"} <= names


def test_no_module_is_over_600_lines():
    long = {
        path.relative_to(ROOT).as_posix(): lines
        for path in project_files()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, "split these modules by topic"


def test_no_function_is_over_80_lines():
    long = {}
    for path in project_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.name}"] = lines
    assert long == {}, "split these functions"


def code_lines(path: Path) -> int:
    """Lines of code as ``cloc`` counts them: not blank, not a comment, not a docstring."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and ast.get_docstring(
            node, clean=False
        ):
            first = node.body[0]
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and number not in docstrings
    )


def test_the_demo_app_stays_small():
    demo = [path for path in project_files() if path.relative_to(ROOT).parts[0] == "demo"]
    assert len(demo) > 10
    assert sum(code_lines(path) for path in demo) <= MAX_DEMO_CODE_LINES, "the demo is growing an engine again"
