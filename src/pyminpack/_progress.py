"""``progress=True``: a bar on stderr naming the function the user called.

tqdm's bar when tqdm is installed (it shows the rate and the time left), a
plain line rewritten in place otherwise, with the same facts.  Each bar is
drawn to its end once: a final report after the end (the engines and the
batch functions may both report done == total) is ignored.
"""

import sys
import time

__all__ = ["progress_bar"]


def progress_bar(who):
    """The progress callable ``progress=True`` means for function `who`."""
    try:
        import tqdm
    except ImportError:
        return PlainProgress(who)
    return TqdmProgress(tqdm, who)


def _clock(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


class PlainProgress:
    """'who: done/total fits, rate fits/s, m:ss left', rewritten in place."""

    def __init__(self, who):
        self.who = who
        self.start = time.monotonic()  # made just before the batch runs
        self.ended = False

    def __call__(self, done, total):
        if self.ended:
            return
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed > 0 and done else None
        line = f"\r{self.who}: {done}/{total} fits"
        if rate is not None:
            line += f", {rate:.0f} fits/s"
            if done < total:
                line += f", {_clock((total - done) / rate)} left"
            else:
                line += f", {_clock(elapsed)} in all"
        if done >= total:
            self.ended = True
            line += "\n"
        sys.stderr.write(line)
        sys.stderr.flush()


class TqdmProgress:
    def __init__(self, tqdm, who):
        self.tqdm = tqdm
        self.who = who
        self.bar = None
        self.ended = False

    def __call__(self, done, total):
        if self.ended:
            return
        if self.bar is None:
            self.bar = self.tqdm.tqdm(total=total, unit="fit", desc=self.who)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.ended = True
            self.bar.close()
