"""The import rules of ARCHITECTURE.md hold: the import-linter contracts in pyproject.toml."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the ``tracker`` package under ``root``, with root's pyproject.toml."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env=os.environ | {"PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_layer_imports_only_downward() -> None:
    """The package keeps every contract: no layer imports a higher one, importer stays pure."""
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_service_importing_a_view_breaks_the_layers(tmp_path: Path) -> None:
    """A copy of the package where a service imports a view fails the layer contract."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "tracker",
        tmp_path / "tracker",
        ignore=shutil.ignore_patterns("static", "data", "__pycache__", "versions"),
    )
    policy = tmp_path / "tracker" / "services" / "policy" / "__init__.py"
    policy.write_text(policy.read_text("utf-8") + "\nfrom ...views import actions  # upward\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "tracker.services is not allowed to import tracker.views" in result.stdout
