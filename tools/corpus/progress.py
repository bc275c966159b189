"""The corpus generator's progress bar on stderr."""

import sys
import time


class Progress:
    """A simple text progress bar on stderr: redrawn in place on a terminal; otherwise a line per 5%
    or per minute, whichever comes first."""

    def __init__(self, label, total, stream=None):
        self.label, self.total, self.stream = label, max(total, 1), stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last_step = -1

    def __call__(self, done, total=None):
        if total:
            self.total = max(total, 1)
        now = time.monotonic()
        step = 20 * done // self.total
        if self.tty and (now - self.last < 0.25 and done < self.total):
            return
        if not self.tty and step == self.last_step and now - self.last < 60 and done < self.total:
            return
        self.last, self.last_step = now, step
        elapsed = now - self.start
        fraction = done / self.total
        eta = elapsed / fraction - elapsed if fraction else 0
        bar = "#" * int(30 * fraction) + "." * (30 - int(30 * fraction))
        line = (
            f"{self.label:<14} [{bar}] {100 * fraction:5.1f}% {done:,}/{self.total:,} "
            f"{_duration(elapsed)} elapsed, {_duration(eta)} left"
        )
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
        return time.monotonic() - self.start


def _duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
