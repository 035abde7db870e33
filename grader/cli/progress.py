"""A plain-text progress bar for the command's own terminal: `[12/40] 30% ETA 1m20s`."""
import sys
import time


def duration(seconds):
    """`1m20s` style."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Counts finished items and estimates the time left; redraws one line on a terminal, else prints a line per item."""

    def __init__(self, total, stream=None, clock=time.monotonic):
        self.total, self.done, self.clock = total, 0, clock
        self.stream = stream if stream is not None else sys.stderr
        self.start = clock()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def line(self, label=""):
        """The text of the bar: done/total, percent, time left."""
        pct = 100 * self.done // self.total if self.total else 100
        elapsed = self.clock() - self.start
        if self.done == 0:
            eta = "ETA ?"
        elif self.done == self.total:
            eta = f"done in {duration(elapsed)}"
        else:
            eta = f"ETA {duration(elapsed / self.done * (self.total - self.done))}"
        return f"[{self.done}/{self.total}] {pct}% {eta}" + (f"  {label}" if label else "")

    def step(self, label=""):
        """One more item finished."""
        self.done += 1
        text = self.line(label)
        if self.tty:
            self.stream.write("\r\033[K" + text + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
