"""The fleet tests run over .venv with requirements_fleet.txt on top (scripts/test's fleet pass)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def verify_cleanup() -> Iterator[None]:
    """Replaces the Home Assistant harness's check of the same name for these tests.

    Dask keeps a daemon thread pool of its own for the life of the process
    (distributed.utils' offload executor), which the harness would count as
    left behind; no event loop of Home Assistant runs here. What must not
    outlive a test is checked instead: no worker process and no thread that
    would keep the interpreter from exiting
    (multiprocessing's resource tracker, one per process, aside).
    """
    before = set(threading.enumerate())
    yield
    psutil = pytest.importorskip("psutil")
    # multiprocessing's resource tracker serves this process until it exits, by design.
    children = [" ".join(c.cmdline()) for c in psutil.Process().children(recursive=True)]
    children = [c for c in children if "multiprocessing.resource_tracker" not in c]
    assert children == [], "a cluster process outlived the test"
    left = [t for t in set(threading.enumerate()) - before if not t.daemon and t.is_alive()]
    assert left == [], f"threads left behind: {left}"
