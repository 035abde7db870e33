"""Shared fixtures: a copy of the reference that is not the `solutions` package itself."""
import pytest

import solutions


@pytest.fixture(scope="session")
def reference_copy():
    return solutions.fresh_copy()


