"""Shared fixtures. LibreOffice must really run: with CI set, a missing soffice fails the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import EXAMPLE
from hypothesis import settings

from xl_corridor.validate.libreoffice import find_soffice

# CI replays a fixed set of examples so that a green main stays green; locally every run
# explores new ones (HYPOTHESIS_PROFILE=ci reproduces CI).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


# Tests that start LibreOffice, a subprocess of the CLI, or evaluate the template with `formulas`
# form the slow tier: `python -m pytest` skips them, `python -m pytest -m slow` runs them (.ci/run
# runs both). Every test that asks for the `soffice` fixture is slow by definition.
SLOW_FIXTURES = {"soffice"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary; skipped locally when absent, a failure under CI."""
    path = find_soffice()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI to recalculate reports")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


@pytest.fixture()
def example_path() -> Path:
    return EXAMPLE
