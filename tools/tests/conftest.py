"""The tools' tests run as the app's do (tests/conftest.py): an empty search index and media folder of
their own per test, fast password hashing, and transactional tests refused without serialized_rollback.
Each is marked `tooling` (pyproject.toml), so that a run of the app's tests can leave them out."""

from pathlib import Path

import pytest

from tests.conftest import (  # noqa: F401 (fixtures, found by name)
    fast_password_hashing,
    media_root,
    search_index,
    search_index_dir,
)
from tests.conftest import pytest_collection_modifyitems as refuse_unsafe_transactional_tests

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    refuse_unsafe_transactional_tests(items)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.tooling)
