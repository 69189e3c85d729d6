"""Fixtures shared by the test modules."""

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
