"""The services layer keeps its shape: packages of use-case modules, no services -> tasks imports.

Tasks import services; services enqueue by task name (gigbook/core/tasks.py), so an import the
other way would make a circle. Read with ``ast``, so lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICE_PACKAGES = ("bookings/services", "bookings/gigrequests/services", "trust/services", "billing/services")
MAX_LINES = 400
# The on-commit helper is not a tasks module: it defines no task and imports none.
HELPER = "gigbook.core.tasks"


def _service_modules() -> list[Path]:
    modules = [path for package in SERVICE_PACKAGES for path in sorted((ROOT / package).glob("*.py"))]
    # Single-module services elsewhere (musicians, notifications, accounts) follow the same rule.
    modules += [path for path in sorted(ROOT.glob("**/services.py")) if ".venv" not in path.parts]
    # And any services package added later.
    modules += [path for path in sorted(ROOT.glob("**/services/*.py")) if ".venv" not in path.parts]
    return sorted(set(modules))


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # ``from bookings import tasks`` imports the module bookings.tasks.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_tasks_module(name: str) -> bool:
    return name != HELPER and name.rsplit(".", 1)[-1] == "tasks"


def test_the_split_packages_exist_and_the_old_modules_are_gone():
    for package in ("bookings/services", "bookings/gigrequests/services"):
        assert (ROOT / package / "__init__.py").is_file()
        assert len(list((ROOT / package).glob("*.py"))) >= 6
    assert not (ROOT / "bookings/services.py").exists()
    assert not (ROOT / "bookings/requests").exists()


@pytest.mark.parametrize("path", _service_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_services_module_imports_a_tasks_module(path):
    offending = sorted(name for name in _imported_modules(path) if _is_tasks_module(name))
    assert offending == [], f"{path.relative_to(ROOT)} imports {offending}; enqueue by task name instead"


def test_the_on_commit_helper_imports_no_tasks_module():
    helper = ROOT / "gigbook/core/tasks.py"
    assert not [name for name in _imported_modules(helper) if _is_tasks_module(name)]


@pytest.mark.parametrize(
    "path",
    [p for package in SERVICE_PACKAGES for p in sorted((ROOT / package).glob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_each_services_module_stays_under_the_size_limit(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by use case"


def test_the_checker_sees_a_lazy_tasks_import(tmp_path):
    # The check itself can fail: an import inside a function is found.
    sample = tmp_path / "services.py"
    sample.write_text("def f():\n    from bookings.gigrequests.tasks import dispatch_invitations\n")
    assert any(_is_tasks_module(name) for name in _imported_modules(sample))
    sample.write_text("from bookings import tasks\n")
    assert any(_is_tasks_module(name) for name in _imported_modules(sample))
