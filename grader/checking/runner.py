"""Step 2 of grading: run the student's function on the cases and keep what it returned.

This step runs inside the student's kernel, so it never imports ``solutions``.
It turns whatever comes back into plain, trusted data (NumPy arrays of
numbers, lists of them) or a reason why it could not; it stops calls that do
not return, silences warnings and printing, and notices calls into the
reference implementation.
"""
import contextlib
import ctypes
import copy
import io
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from grader.checking import tolerances as tol
from grader.checking.packages import package_dir

_SCALARS = (bool, int, float, np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
            np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.float64)
_MAX_DEPTH = 4
_MAX_ITEMS = 10_000_000


class BadReturn(Exception):
    """The returned value is not something the grader can trust."""


class StudentTimeout(BaseException):
    """Raised inside a call that ran too long (a BaseException, so `except Exception` in student code does not swallow it)."""


@dataclass
class Outcome:
    """What one call produced: status is "ok", "error", "timeout", "bad_return" or "not_run"."""

    status: str
    value: Any = None  # trusted data: an ndarray, or a list of them
    message: str = ""
    seconds: float = 0.0


@dataclass
class Run:
    """Every case's outcome, plus what was noticed about the function as a whole."""

    outcomes: list
    called_reference: Optional[str] = None  # why we think it calls `solutions`
    printed: str = ""
    notes: list = field(default_factory=list)


def sanitize(value, depth=0):
    """Copy a returned value into trusted types: ndarray (numeric dtype) or list; else BadReturn."""
    t = type(value)
    if t is np.ndarray:
        if value.dtype.kind not in "biuf":
            raise BadReturn(f"an array of dtype {value.dtype} (expected numbers)")
        return np.array(value, copy=True)
    if t in _SCALARS:
        if t is int and abs(value) > 2 ** 63:
            raise BadReturn("an integer too large to be a count")
        return np.array(value)
    if t in (list, tuple):
        if depth >= _MAX_DEPTH:
            raise BadReturn("lists nested too deeply")
        if len(value) > _MAX_ITEMS:
            raise BadReturn("a list that is far too long")
        return [sanitize(v, depth + 1) for v in value]
    raise BadReturn(f"an object of type {t.__module__}.{t.__qualname__}" if t.__module__ != "builtins"
                    else f"an object of type {t.__name__}")


def _reference_dir(package="solutions"):
    """Where a package lives, with a trailing separator, found without importing it (None if absent)."""
    folder = package_dir(package)
    return folder + os.sep if folder else None


def _names_reference(code, seen=None):
    """Does this code object (or one nested in it) name the module `solutions`?"""
    seen = seen if seen is not None else set()
    if id(code) in seen:
        return False
    seen.add(id(code))
    if "solutions" in code.co_names or "solutions" in code.co_varnames:
        return True
    for const in code.co_consts:
        if isinstance(const, str) and (const == "solutions" or const.startswith("solutions.")):
            return True
        if hasattr(const, "co_names") and _names_reference(const, seen):
            return True
    return False


def static_reference_check(fn):
    """A reason if `fn` is, or visibly uses, the reference implementation; else None."""
    module = getattr(fn, "__module__", None) or ""
    if module == "solutions" or module.startswith("solutions."):
        return f"your function is the reference implementation ({module}.{getattr(fn, '__name__', '?')})"
    code = getattr(fn, "__code__", None)
    ref = _reference_dir()
    if code is not None and ref and os.path.realpath(code.co_filename).startswith(ref):
        return "your function is defined in the reference implementation"
    if code is not None and _names_reference(code):
        return "your function's code names the reference module `solutions`"
    for name, mod in list(sys.modules.items()):
        if name == "solutions" or name.startswith("solutions."):
            path = getattr(mod, "__file__", None)
            if ref is None or path is None or not os.path.realpath(path).startswith(ref):
                return f"the module `{name}` in sys.modules was not loaded from the installed reference"
    return None


class Capped(io.TextIOBase):
    """A text sink that keeps only the first `limit` characters."""

    def __init__(self, limit):
        self.limit, self.parts, self.size = limit, [], 0

    def write(self, s):
        if self.size < self.limit:
            self.parts.append(s[: self.limit - self.size])
        self.size += len(s)
        return len(s)

    def text(self):
        out = "".join(self.parts)
        return out + (f"\n... ({self.size - self.limit} more characters)" if self.size > self.limit else "")


@contextlib.contextmanager
def quiet(sink):
    """No warnings, no NumPy floating-point messages, printing goes to `sink`."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        yield


def _watch(ref_dir, helper_dir, allowed, flag):
    """A profile function that records a call into the reference, or into a course helper not in `allowed`.

    The course's own helpers (``actspace``) draw the lessons' figures and
    hold the building blocks of earlier lessons; they are not an answer.
    """
    allowed = tuple(allowed)

    def profile(frame, event, arg):
        if event != "call" or flag:
            return
        path = frame.f_code.co_filename
        if ref_dir and path.startswith(ref_dir):
            flag.append(f"your function calls the reference implementation (`{frame.f_code.co_name}` in `solutions`)")
        elif helper_dir and path.startswith(helper_dir) and not path.endswith(allowed):
            module = "actspace." + path[len(helper_dir):].replace(os.sep, ".").removesuffix(".py")
            flag.append(f"your function calls the course's helper `{frame.f_code.co_name}` in `{module}` "
                        "instead of computing the answer itself")
    return profile


def _call_with_timeout(fn, args, kwargs, seconds):
    """fn(*args, **kwargs), raising StudentTimeout after `seconds` (SIGALRM in the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return _call_in_thread(fn, args, kwargs, seconds)

    def on_alarm(signum, frame):
        raise StudentTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)  # and again every 0.25 s if it is swallowed
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(fn, args, kwargs, seconds):
    box = {}

    def target():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as e:  # reported, never raised here
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        _stop_thread(t)
        raise StudentTimeout()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _stop_thread(t, tries=20):
    """Raise StudentTimeout inside thread `t` (works for Python-level loops) so it does not spin forever."""
    for _ in range(tries):
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident), ctypes.py_object(StudentTimeout))
        t.join(0.05)
        if not t.is_alive():
            return


def _describe_exception(e, fn):
    """`TypeError: ...` plus the line of the student's code where it happened."""
    text = f"{type(e).__name__}: {e}".strip()
    code = getattr(fn, "__code__", None)
    if code is not None:
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == code.co_filename]
        if frames:
            text += f"  (in your code: `{(frames[-1].line or '').strip()}`)"
    return text


def run_cases(fn, cases, timeout=tol.CALL_TIMEOUT, may_call=()):
    """Call `fn` on every case (on copies of the inputs) and collect trusted outcomes.

    `may_call` names the course helper modules the function may use (e.g.
    "actspace.blocks" for a block built from earlier lessons' pieces).
    """
    if not callable(fn):
        reason = f"expected a function, but got an object of type {type(fn).__name__}"
        return Run([Outcome("not_run", message=reason) for _ in cases])
    run = Run(outcomes=[], called_reference=static_reference_check(fn))
    if run.called_reference:
        run.outcomes = [Outcome("not_run", message=run.called_reference) for _ in cases]
        return run
    ref_dir, helper_dir = _reference_dir(), _reference_dir("actspace")
    allowed = [os.sep + m.split(".", 1)[1].replace(".", os.sep) + ".py" for m in may_call]
    sink = Capped(tol.PRINT_LIMIT)
    stopped = None
    for case in cases:
        if stopped:
            run.outcomes.append(Outcome("not_run", message=stopped))
            continue
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        flag = []
        start = time.perf_counter()
        old_profile = sys.getprofile()
        try:
            with quiet(sink):
                if ref_dir or helper_dir:
                    sys.setprofile(_watch(ref_dir, helper_dir, allowed, flag))
                try:
                    value = _call_with_timeout(fn, args, kwargs, timeout)
                finally:
                    sys.setprofile(old_profile)
            outcome = Outcome("ok", value=sanitize(value))
        except StudentTimeout:
            stopped = f"not run: an earlier case did not return within {timeout:g} s"
            outcome = Outcome("timeout", message=f"your function did not return within {timeout:g} seconds and was stopped (an endless loop?)")
        except BadReturn as e:
            outcome = Outcome("bad_return", message=f"your function returned {e}; return a NumPy array (or a list of numbers)")
        except RecursionError as e:
            outcome = Outcome("error", message=f"RecursionError: {e}")
        except KeyboardInterrupt:
            stopped = "not run: the grading was interrupted"
            outcome = Outcome("error", message="KeyboardInterrupt: the call was interrupted")
        except SystemExit as e:
            outcome = Outcome("error", message=f"your function called exit ({e.code!r}); return a value instead")
        except Exception as e:
            outcome = Outcome("error", message=_describe_exception(e, fn))
        outcome.seconds = time.perf_counter() - start
        if flag:
            run.called_reference = flag[0]
        run.outcomes.append(outcome)
        _check_inputs_untouched(case, args, kwargs, run)
    run.printed = sink.text()
    return run


def _check_inputs_untouched(case, args, kwargs, run):
    """Note (without penalty) a function that changes the arrays it was given."""
    before = list(case.args) + list(case.kwargs.values())
    after = list(args) + list(kwargs.values())
    for a, b in zip(before, after):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
                and not np.array_equal(a, b, equal_nan=True):
            note = "your function changes the arrays it is given (in-place edits); callers may not expect that"
            if note not in run.notes:
                run.notes.append(note)
            return
