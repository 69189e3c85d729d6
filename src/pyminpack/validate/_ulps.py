"""Distances between doubles in units in the last place (ulps)."""

import math
import struct
from fractions import Fraction

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


def largest_ulps_of(scale, a, b):
    """(distance, index): the largest ``|a_i - b_i|`` counted in ulps of
    ``scale`` (how many times ``ulp(scale)`` it is, rounded up) and where it
    is.  For values near zero, whose own ulps say nothing of how close they
    are, measured against the size of the vector they belong to.  NaN
    against NaN is 0; the distance is None where only one side is NaN or
    infinite (or the scale is not finite), the index then the first such.
    """
    unit = math.ulp(float(scale))
    if not math.isfinite(unit):
        return None, 0
    largest, where = 0, 0
    for index, (u, v) in enumerate(zip(np.asarray(a).tolist(),
                                       np.asarray(b).tolist())):
        if u == v or (u != u and v != v):
            continue
        if not (math.isfinite(u) and math.isfinite(v)):
            return None, index
        # Exact rationals: the difference of two doubles, and its ratio to
        # a tiny unit, can overflow a double.
        distance = math.ceil(abs(Fraction(u) - Fraction(v)) / Fraction(unit))
        if distance > largest:
            largest, where = distance, index
    return largest, where
