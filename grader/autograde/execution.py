"""nbgrader's Execute step for grading: an evidence kernel, and a run that survives what the notebook does.

The kernel starts with ``evidence.ENV`` set, so ``grader.points`` hands back
evidence instead of judging, with matplotlib's ``grader.checking.nodraw`` backend
(figures are built but never drawn: drawing was most of a lesson's time) and
one BLAS thread, and with its output going to a log file instead of the
grader's own stdout and stderr (a child it leaves behind cannot hold them
open). A kernel that dies (``os._exit``, a crash, memory), a cell that
runs past the timeout and cannot be interrupted, or a notebook that runs past
its time budget ends the run there: the cells run so far keep their outputs,
``resources["actspace"]["stopped"]`` says at which cell and why, and the
cells after it do not run.
"""
import os
import time

from nbclient.util import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from grader.checking import evidence, kernel, nodraw


class _Stopped(Exception):
    def __init__(self, index, reason):
        super().__init__(reason)
        self.index, self.reason = index, reason


def stopped(resources):
    """{"index": cell index, "reason": text} where the last run stopped early, or None."""
    return resources.get("actspace", {}).get("stopped")


class GradingExecute(Execute):
    """Execute for the autograder: evidence kernel, output to a log, early stops recorded instead of raised."""

    notebook_timeout = Integer(900, help="seconds the whole notebook may run; later cells do not run").tag(config=True)
    kernel_log = Unicode("", help="file that receives the kernel's own stdout and stderr (default: discarded)"
                         ).tag(config=True)
    cases_file = Unicode("", help="the grading cases' inputs, as the kernel sees the file (grader.checking.kernel)"
                         ).tag(config=True)

    max_run_output_bytes = Integer(64 * 2 ** 20, help="bytes of rich output kept while the notebook runs; "
                                   "later outputs are dropped as they come (the caps after the run are smaller)"
                                   ).tag(config=True)

    def output(self, outs, msg, display_id, cell_index):
        """Keep an output only while the run's outputs stay under `max_run_output_bytes` (the grader's memory)."""
        content = msg.get("content", {})
        size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in (content.get("data") or {}).values())
        size += len(content.get("text", "") or "")
        graded = cell_index < len(self.nb.cells) and self.nb.cells[cell_index].get("metadata", {}).get(
            "nbgrader", {}).get("grade")  # a graded cell's source is the grader's: its evidence is always kept
        self._run_bytes = getattr(self, "_run_bytes", 0) + (0 if graded else size)
        if not graded and self._run_bytes > self.max_run_output_bytes and msg.get("msg_type") in (
                "display_data", "execute_result", "stream", "update_display_data"):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        state = resources.setdefault("actspace", {})
        state["stopped"] = None
        self._run_bytes = 0
        self._deadline = time.monotonic() + self.notebook_timeout
        with open(self.kernel_log or os.devnull, "ab") as log:
            self._kernel_output = log
            try:
                return super().preprocess(nb, resources, km)
            except _Stopped as stop:
                state["stopped"] = {"index": stop.index, "reason": stop.reason}
                return nb, resources

    def preprocess_cell(self, cell, resources, index):
        runs = cell.cell_type == "code" and cell.source.strip()
        if runs and time.monotonic() > self._deadline:
            self.shutdown_kernel = "immediate"
            raise _Stopped(index, f"the notebook had run for its whole time budget ({self.notebook_timeout} s)")
        start = time.monotonic()
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            raise _Stopped(index, "the kernel died (os._exit, exit(), a crash, or out of memory)") from None
        except CellTimeoutError:
            limit = self._get_timeout(cell)
            if limit is None or time.monotonic() - start < limit:
                return cell, self.resources  # output came faster than it could be read: the rest is dropped
            self.shutdown_kernel = "immediate"
            raise _Stopped(index, f"the cell ran longer than {limit} s and did not stop when interrupted, "
                                  "so the kernel was stopped") from None

    async def async_start_new_kernel(self, **kwargs):
        env = dict(kwargs.pop("env", None) or os.environ)
        env[evidence.ENV] = evidence.EVIDENCE
        env[kernel.CASES_ENV] = self.cases_file
        env["MPLBACKEND"] = nodraw.NAME  # figures are built, never drawn: most of a lesson's time saved
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")  # parallel jobs share the cores; results never depend on a thread count
        kwargs["env"] = env
        kwargs.setdefault("stdout", self._kernel_output)
        kwargs.setdefault("stderr", self._kernel_output)
        await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)
