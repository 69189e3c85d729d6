"""Distances between doubles in units in the last place (ulps)."""

import struct

import numpy as np

_SIGN = 1 << 63


def _ordered(value):
    """The double's bits as an integer that orders like the doubles do, so
    that neighbours differ by 1 and +0 and -0 are the same point."""
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return -_SIGN - bits if bits < 0 else bits


def ulps(a, b):
    """How many doubles apart ``a`` and ``b`` are (0: the same bits, up to
    the sign of zero); None when either is NaN."""
    a, b = float(a), float(b)
    if a != a or b != b:
        return None if not (a != a and b != b) else 0
    return abs(_ordered(a) - _ordered(b))


def same_bits(a, b):
    """True when the two float64 arrays are equal bit for bit."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def first_difference(a, b):
    """(index, ulps) of the first element whose bits differ, or None."""
    for index, (u, v) in enumerate(zip(np.asarray(a).tolist(),
                                       np.asarray(b).tolist())):
        if struct.pack("<d", u) != struct.pack("<d", v):
            return index, ulps(u, v)
    return None


def largest_ulps(a, b):
    """The largest element-wise distance (None if a NaN is involved, where
    the other side is not NaN)."""
    largest = 0
    for u, v in zip(np.asarray(a).tolist(), np.asarray(b).tolist()):
        distance = ulps(u, v)
        if distance is None:
            return None
        largest = max(largest, distance)
    return largest
