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
            np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.float64, np.longdouble)
_MAX_DEPTH = 4
_MAX_ITEMS = 10_000_000
# array libraries whose objects np.asarray converts without help (their `__array__` is the library's own code)
_ARRAY_LIBRARIES = ("jax", "jaxlib", "cupy", "pandas", "xarray", "tensorflow", "dask")


TICK = 0.05  # seconds between the alarms that watch a call (importing or not, out of time or not)


class BadReturn(Exception):
    """The returned value is not something the grader can trust."""


class StudentTimeout(BaseException):
    """Raised inside a call that ran too long (a BaseException, so `except Exception` in student code does not swallow it)."""

    def __init__(self, import_seconds=0.0, in_import=False):
        super().__init__()
        self.import_seconds, self.in_import = import_seconds, in_import


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


def _type_name(t):
    return f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__name__


def _trusted_array(array):
    """A plain ndarray (any subclass viewed as the base class, copied), numbers only; longdouble becomes float64."""
    base = np.array(np.ndarray.view(array, np.ndarray), copy=True)  # C-level view: no method of a subclass runs
    kind = base.dtype.kind
    if kind == "c":
        raise BadReturn(f"an array of complex numbers (dtype {base.dtype}); return real numbers (e.g. .real)")
    if kind not in "biuf":
        raise BadReturn(f"an array of dtype {base.dtype} (expected numbers)")
    if kind == "f" and base.dtype.itemsize > 8:  # float128: the nearest kind every judge reads, as the evidence does
        base = base.astype(np.float64)
    return base


def _torch_tensor(value):
    """A torch.Tensor as a NumPy array, or None if `value` is not one (torch is never imported here)."""
    t = type(value)
    torch = sys.modules.get("torch")
    if torch is None or not (t.__module__ or "").startswith("torch") or not isinstance(value, torch.Tensor):
        return None
    tensor = value.detach().cpu()
    try:
        array = tensor.numpy()
    except (TypeError, RuntimeError):  # e.g. bfloat16, which NumPy has no dtype for
        array = tensor.double().numpy()
    if type(array) is not np.ndarray:
        raise BadReturn(f"an object of type {_type_name(t)} that does not convert to a NumPy array; "
                        "return your_tensor.detach().cpu().numpy()")
    return array


def sanitize(value, depth=0):
    """Copy a returned value into trusted types: ndarray (numeric dtype) or list; else BadReturn.

    Accepts what the contract accepts, anything np.asarray turns into numbers:
    arrays and their subclasses (np.matrix, a masked array with its masked
    entries as 0), NumPy and Python numbers (longdouble as float64), lists and
    tuples of them, torch tensors and arrays of the common array libraries.
    Nothing of a returned object's own code runs here except a torch tensor's
    or an array library's conversion; callers run this inside the call's time
    limit.
    """
    t = type(value)
    if t is np.ndarray:
        return _trusted_array(value)
    if t in _SCALARS:
        if t is int and abs(value) > 2 ** 63:
            raise BadReturn("an integer too large to be a count")
        return _trusted_array(np.array(value))
    if t in (list, tuple):
        if depth >= _MAX_DEPTH:
            raise BadReturn("lists nested too deeply")
        if len(value) > _MAX_ITEMS:
            raise BadReturn("a list that is far too long")
        return [sanitize(v, depth + 1) for v in value]
    if t is np.ma.MaskedArray:
        return _trusted_array(np.ma.filled(value, 0))  # a masked (hidden) entry counts as 0
    if isinstance(value, np.ndarray):
        return _trusted_array(value)
    if isinstance(value, float):  # a float subclass: its value, read by float's own code
        return np.array(float.__float__(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return sanitize(int.__index__(value), depth)
    array = _torch_tensor(value)
    if array is not None:
        return _trusted_array(array)
    root = (t.__module__ or "").split(".")[0]
    if root in _ARRAY_LIBRARIES:
        array = np.asarray(value)
        if type(array) is not np.ndarray:
            raise BadReturn(f"an object of type {_type_name(t)}; return np.asarray(your_result)")
        return _trusted_array(array)
    if isinstance(value, np.generic):
        raise BadReturn(f"a NumPy scalar of type {_type_name(t)}; return float(your_result) or an array")
    if isinstance(value, (dict, set, str, bytes)) or value is None:
        raise BadReturn(f"an object of type {_type_name(t)}")
    raise BadReturn(f"an object of type {_type_name(t)}; convert it before returning it, e.g. with np.asarray(...)")


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

    The course's own helpers (``actspace``) draw the lessons' figures and make
    the experiments' weights; they are not an answer (a block an earlier lesson
    answered is given in the notebook that needs it).
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


def _importing(frame):
    """Is this frame (or one it was called from) inside Python's import machinery?"""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def _call_with_timeout(fn, args, kwargs, seconds, tick=TICK):
    """fn(*args, **kwargs), raising StudentTimeout after `seconds` (SIGALRM in the main thread).

    Time spent importing modules does not count, and the timeout is never
    delivered inside an import: a first `import torch` takes about 3 s cold,
    and an import stopped halfway can leave a module that never imports again
    in this process. An alarm every `tick` seconds samples whether the call is
    importing; only after IMPORT_GRACE seconds of importing is it stopped
    anyway (StudentTimeout.in_import says so).
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return _call_in_thread(fn, args, kwargs, seconds, tick)
    start = time.perf_counter()
    clock = {"last": start, "import": 0.0}

    def on_alarm(signum, frame):
        now = time.perf_counter()
        if _importing(frame):
            clock["import"] += now - clock["last"]
            clock["last"] = now
            if clock["import"] > tol.IMPORT_GRACE:
                raise StudentTimeout(clock["import"], in_import=True)
            return
        clock["last"] = now
        if now - start - clock["import"] >= seconds:  # raised again every tick if it is swallowed
            raise StudentTimeout(clock["import"])

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, tick, tick)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(fn, args, kwargs, seconds, tick=TICK):
    box = {}

    def target():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as e:  # reported, never raised here
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    start = time.perf_counter()
    t.start()
    imported = 0.0
    while True:
        t.join(tick)
        if not t.is_alive():
            break
        if _importing(sys._current_frames().get(t.ident)):
            imported += tick
            if imported <= tol.IMPORT_GRACE:
                continue
        if time.perf_counter() - start - imported >= seconds or imported > tol.IMPORT_GRACE:
            in_import = imported > tol.IMPORT_GRACE
            _stop_thread(t, in_import=in_import)
            raise StudentTimeout(imported, in_import=in_import)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _stop_thread(t, tries=20, in_import=False):
    """Raise StudentTimeout inside thread `t` (works for Python-level loops) so it does not spin forever.

    Never while it is importing a module, unless `in_import` (the import itself hangs).
    """
    for _ in range(tries):
        if in_import or not _importing(sys._current_frames().get(t.ident)):
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
    "actspace.weights"; no course helper holds an answer).
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
        old_profile, old_thread_profile = sys.getprofile(), threading.getprofile()
        try:
            with quiet(sink):
                if ref_dir or helper_dir:
                    watch = _watch(ref_dir, helper_dir, allowed, flag)
                    sys.setprofile(watch)
                    threading.setprofile(watch)  # and in the threads the function starts
                try:  # converting the value runs inside the time limit too (a tensor's own .numpy())
                    value = _call_with_timeout(lambda: sanitize(fn(*args, **kwargs)), (), {}, timeout)
                finally:
                    sys.setprofile(old_profile)
                    threading.setprofile(old_thread_profile)
            outcome = Outcome("ok", value=value)
        except StudentTimeout as e:
            stopped = f"not run: an earlier case did not return within {timeout:g} s"
            outcome = Outcome("timeout", message=_timeout_message(e, timeout))
        except BadReturn as e:
            text = str(e)
            if ";" not in text:
                text += "; return a NumPy array (or a list of numbers)"
            outcome = Outcome("bad_return", message=f"your function returned {text}")
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


def _timeout_message(e, timeout):
    if getattr(e, "in_import", False):
        return (f"your function was stopped while importing a module, after {e.import_seconds:.0f} s of importing; "
                "a module whose import was interrupted may fail to import again in this kernel: restart the kernel, "
                "and import heavy modules once, at the top of the notebook")
    spent = getattr(e, "import_seconds", 0.0)
    extra = f", not counting {spent:.1f} s spent importing modules," if spent >= 0.1 else ""
    return f"your function did not return within {timeout:g} seconds{extra} and was stopped (an endless loop?)"


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
