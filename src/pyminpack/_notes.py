"""A note on an exception, on every supported Python.

``BaseException.add_note`` is new in Python 3.11; on 3.10 the note goes
into ``__notes__`` itself, the attribute 3.11's tracebacks print.
"""

__all__ = ["add_note"]


def add_note(exc, note):
    """Add `note` to `exc`'s notes."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]
