"""Shared fixtures: a copy of the reference that is not the `solutions` package itself."""
import pytest

import solutions


@pytest.fixture(scope="session")
def reference_copy():
    return solutions.fresh_copy()




@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the whole session: a second sync driver cannot start while one runs."""
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()
