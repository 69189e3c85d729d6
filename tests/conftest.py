"""Fixtures shared by the test modules, and the order they run in."""

import signal

import pytest


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt during the test, as at a terminal,
    even when this process inherited SIGINT ignored (a shell's background
    job does, and Python then installs no handler for it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def pytest_collection_modifyitems(items):
    """The Dask tests run last.  distributed keeps threads of its own (its
    event loop) alive after a cluster is closed, and what they allocate
    would be counted by test_leaks.py's memory measurements, which run
    after test_dask*.py in file order otherwise."""
    dask_last = sorted(items, key=lambda item: item.path.name.startswith(
        "test_dask"))  # a stable sort: the order within each part is kept
    items[:] = dask_last
