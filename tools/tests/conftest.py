"""The tools' tests run as the app's do (tests/conftest.py): an empty search index and media folder of
their own per test, fast password hashing, and transactional tests refused without serialized_rollback."""

from tests.conftest import (  # noqa: F401 (fixtures, found by name)
    fast_password_hashing,
    media_root,
    search_index,
    search_index_dir,
)
from tests.conftest import pytest_collection_modifyitems as refuse_unsafe_transactional_tests


def pytest_collection_modifyitems(items):
    refuse_unsafe_transactional_tests(items)
