"""Fault tests on the production runtime: their own PostgreSQL and Redis (never the shared
ones), the web app and `ltc worker` as real processes. Run with LTC_FAULTS=1 (.ci/run does)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.stack import Stack


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: stops PostgreSQL, Redis and workers under the app (LTC_FAULTS=1)")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if os.environ.get("LTC_FAULTS") != "1":
        pytest.skip("fault tests run with LTC_FAULTS=1")
    # Not pytest's temp dir: its parent is private to root, and the cluster belongs to postgres.
    root = Path(tempfile.mkdtemp(prefix="ltc-faults."))
    try:
        with Stack.started(root) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)
