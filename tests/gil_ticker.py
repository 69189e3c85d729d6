"""A Python thread that ticks whenever it can take the GIL: evidence, free
of timing thresholds, that C code released the GIL.

While a `Ticker` is active the switch interval is ten seconds, far longer
than any test holds the GIL in one stretch, so the thread holding the GIL
never hands it over on request: the ticker can run only when the GIL is
released, by a blocking call or a C extension.  (Not longer: a stray
thread spinning in Python would then hold the GIL that long.)
Each tick is one increment of `count` followed by a sleep (which releases
the GIL).  A reading of `count` before and after a stretch of C code that
runs no Python then differs only if that code released the GIL, and by
at most the number of times it did; a release for long enough gives the
ticker many ticks.
"""

import sys
import threading
import time


class Ticker:
    def __init__(self):
        self.count = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop:
            self.count += 1
            time.sleep(0.0002)

    def __enter__(self):
        self._interval = sys.getswitchinterval()
        self._thread.start()
        while self.count == 0:
            time.sleep(0.001)
        sys.setswitchinterval(10.0)
        return self

    def __exit__(self, *exc):
        sys.setswitchinterval(self._interval)
        self._stop = True
        self._thread.join()
        return False
