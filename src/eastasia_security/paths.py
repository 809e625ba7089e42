"""Where the kit's files live, resolved in one place.

The datasets sit at the top of the repository (``datasets/``) and are copied
into the wheel as ``eastasia_security/_bundled/datasets``.  Everything that
needs a file asks this module, so a checkout, an editable install and a plain
``pip install .`` all work the same way.

>>> from eastasia_security import paths
>>> (paths.datasets_dir() / "datapackage.json").exists()
True
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable that points the kit at another copy of the datasets
#: (used by tests that corrupt a copy, and by instructors adapting the data).
DATASETS_ENV = "EASTASIA_SECURITY_DATASETS"
#: Same for the quiz banks (course/quizzes in a checkout).
QUIZZES_ENV = "EASTASIA_SECURITY_QUIZZES"

_PACKAGE_DIR = Path(__file__).resolve().parent


def repository_root() -> Path | None:
    """The checkout this package was imported from, or None for an installed wheel."""
    candidate = _PACKAGE_DIR.parent.parent  # src/eastasia_security -> repo root
    if (candidate / "pyproject.toml").is_file() and (candidate / "datasets").is_dir():
        return candidate
    return None


def datasets_dir() -> Path:
    """Folder holding datapackage.json and the CSV files.

    Order: the ``EASTASIA_SECURITY_DATASETS`` environment variable, then
    ``datasets/`` of the checkout the package was imported from, then the copy
    bundled in an installed wheel.
    """
    override = os.environ.get(DATASETS_ENV)
    if override:
        return Path(override).expanduser().resolve()
    # A checkout first: an editable install also leaves a bundled copy in
    # site-packages, which would go stale as soon as the CSV files are edited.
    root = repository_root()
    if root is not None:
        return root / "datasets"
    bundled = _PACKAGE_DIR / "_bundled" / "datasets"
    if (bundled / "datapackage.json").is_file():
        return bundled
    raise FileNotFoundError(
        "Cannot find the kit's datasets: neither a bundled copy "
        f"({bundled}) nor a checkout's datasets/ folder exists. "
        f"Set {DATASETS_ENV} to the folder that holds datapackage.json."
    )


def datapackage_path() -> Path:
    """Path of ``datapackage.json``."""
    return datasets_dir() / "datapackage.json"


def quizzes_dir() -> Path:
    """Folder holding the quiz banks (``*.yml``).

    Order: ``EASTASIA_SECURITY_QUIZZES``, then ``course/quizzes`` of the
    checkout, then the copy bundled in an installed wheel.
    """
    override = os.environ.get(QUIZZES_ENV)
    if override:
        return Path(override).expanduser().resolve()
    root = repository_root()
    if root is not None:
        return root / "course" / "quizzes"
    bundled = _PACKAGE_DIR / "_bundled" / "quizzes"
    if bundled.is_dir():
        return bundled
    raise FileNotFoundError(f"Cannot find the quiz banks; set {QUIZZES_ENV} to the folder that holds them.")


def assets_dir() -> Path:
    """Folder of the bundled web assets and basemap (``eastasia_security/assets``, inside the package)."""
    return _PACKAGE_DIR / "assets"
