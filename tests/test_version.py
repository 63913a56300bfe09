"""The version moves in one place: pyproject.toml. The package and `archive --version` say it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import archive

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_package_version_is_pyproject_version():
    # an installed copy older than pyproject.toml fails here: reinstall (scripts/setup.sh)
    assert archive.__version__ == PYPROJECT


def test_archive_version_prints_it():
    # the installed entry point, as a user runs it
    out = subprocess.run(
        [str(Path(sys.executable).with_name("archive")), "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"archive, version {PYPROJECT}\n"


def test_source_tree_without_install_reads_pyproject(tmp_path):
    # a copy of the package with no distribution installed for it anywhere on its path
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "__init__.py").write_bytes((REPO / "archive" / "__init__.py").read_bytes())
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "zfgzbg-archive"\nversion = "9.8.7"\n')
    code = "import archive; print(archive.__file__); print(archive.__version__)"
    out = subprocess.run(
        [sys.executable, "-S", "-E", "-s", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(tmp_path / "archive" / "__init__.py"), "9.8.7"]
