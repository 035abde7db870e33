"""How fast the course grades a class, next to the cost of just running its notebooks.

    python benchmarks/grading.py                 # everything: 50 students, 3 runs (about 35 min)
    python benchmarks/grading.py --students 10 --runs 1 --only 1,3,4

Builds a course from the installed lessons in a temporary folder, hands in
a synthetic class (full, partial, misconception and blank submissions,
rotating over students and lessons) through an LMS export, and prints one
table per measure, each with its target:

1. autograde seconds per notebook vs executing the same submitted notebook
   with nbclient alone, median of --runs runs (target: ratio <= 1.5);
2. the class (--students x 6 lessons) with --jobs 1 and --jobs N: wall time,
   notebooks per minute, speed-up (target >= 1.7 for N = 2), identical grades;
3. each lesson's source notebook executed top to bottom (target < 20 s);
4. grader.grade with the reference for every exercise (target < 100 ms each);
5. peak memory of one grading kernel and of the whole --jobs N run.

Kernels run in the grading sandbox, as `actspace autograde` does, unless
--no-sandbox. Timings are wall clock on whatever else the machine is doing:
run it on a quiet machine, and read the load printed with the tables.
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import nbformat

KINDS = ("full", "partial", "misconception", "blank")  # rotating over (student + lesson)
STAMP = "2026-11-20-10-30-00"  # the export's submission time (Blackboard naming)
TARGETS = {"ratio": 1.5, "speedup": 1.7, "lesson_s": 20.0, "grade_ms": 100.0}


# ---------------------------------------------------------------- the synthetic class


def class_notebooks(course, lesson):
    """{kind: notebook text} for one lesson: the released version with 0, half, or all answers written."""
    from grader.course import demo

    given = demo.notebooks(course, lesson)  # ada: full, ben: blank, cy: misconception
    released = nbformat.reads(given["ben"], as_version=4)
    source = nbformat.read(course.source / lesson / f"{lesson}.ipynb", as_version=4)
    right = {n: demo.solution_code(c.source) for n, c in demo.solution_cells(source).items()}
    cells = demo.solution_cells(released)
    for name in list(cells)[: (len(cells) + 1) // 2]:  # the first half solved, the rest left blank
        cells[name].source = right[name]
    return {"full": given["ada"], "partial": nbformat.writes(released), "misconception": given["cy"],
            "blank": given["ben"]}


def make_course(root, students, lessons=None):
    """A released course in `root` with `students` (names) handing in every lesson; returns the Course."""
    from grader.course import collect
    from grader.course.course import Course, generate

    root = pathlib.Path(root)
    root.mkdir(parents=True)
    course = Course(root, read_user_config=False)
    generate(course, lessons)
    export = root / "lms-export"
    export.mkdir()
    for j, lesson in enumerate(course.released()):
        texts = class_notebooks(course, lesson)
        for i, student in enumerate(students):
            kind = KINDS[(i + j) % len(KINDS)]
            (export / f"{lesson}_{student}_attempt_{STAMP}_{lesson}.ipynb").write_text(texts[kind])
    collect.from_export(course, export)
    return course


def grades(course):
    """{(student, lesson, notebook, cell): (auto score, auto comment)} of every grade and comment in the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course.gradebook}", course.course_id) as gb:
        for lesson in course.released():
            for sub in gb.assignment_submissions(lesson):
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(sub.student.id, lesson, nb.name, g.name)] = (g.auto_score, None)
                    for c in nb.comments:
                        out[(sub.student.id, lesson, nb.name, c.name)] = (None, c.auto_comment)
    return out


# ---------------------------------------------------------------- running things


class Quiet:
    """A progress bar that says nothing."""

    def step(self, label=""):
        pass


def autograde(course, jobs, sandbox, progress=None):
    """(wall seconds, outcomes) of grading every submission of `course`."""
    from grader import autograde as ag

    start = time.perf_counter()
    outcomes = ag.autograde(course, jobs=jobs, progress=progress or Quiet(), sandbox=sandbox)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        sys.exit(f"grading failed: {failed[0].job.student}/{failed[0].job.lesson}: {failed[0].message}")
    return time.perf_counter() - start, outcomes


def nbclient_seconds(path, workdir, backend=None):
    """Seconds to execute the notebook at `path` with nbclient alone, in a copy of its folder.

    `backend`: the kernel's matplotlib backend (default: the inline one, which draws every figure).
    """
    import nbclient

    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(path.parent, workdir)
    nb = nbformat.read(workdir / path.name, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}}).execute(
        stderr=subprocess.DEVNULL, env=dict(os.environ, **({"MPLBACKEND": backend} if backend else {})))
    return time.perf_counter() - start


class Memory:
    """Samples the process tree under this process: peak sum of PSS, and peak RSS of any one grading kernel."""

    def __init__(self, interval=0.1):
        self.interval, self.total, self.kernel = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            parents = {}
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
            tree, grew = {me}, True
            while grew:
                more = {p for p, pp in parents.items() if pp in tree and p not in tree}
                tree |= more
                grew = bool(more)
            total = 0
            for pid in tree:
                total += _kib(pid, "smaps_rollup", "Pss:")
                if _is_kernel(pid):
                    self.kernel = max(self.kernel, _kib(pid, "status", "VmHWM:"))
            self.total = max(self.total, total)
            self._stop.wait(self.interval)


def _kib(pid, name, key):
    try:
        with open(f"/proc/{pid}/{name}") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _is_kernel(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return any(b"ipykernel" in a or b"sandbox_kernel" in a for a in args) and b"bwrap" not in args[0]


def load():
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# ---------------------------------------------------------------- the five measures


def ratio(tmp, runs, sandbox):
    """Measure 1: per lesson and overall, autograde vs nbclient seconds per notebook, medians over runs.

    nbclient runs each notebook twice: as a learner's kernel would (figures
    drawn: the ratio's baseline) and with the grading kernels' backend, which
    draws nothing (so the autograder's own overhead shows too).
    """
    from grader.checking import nodraw

    course = make_course(tmp / "ratio", [f"r{k}" for k in range(len(KINDS))])
    lessons = course.released()
    per = {l: {"autograde": [], "nbclient": [], "nodraw": []} for l in lessons}
    walls = {"autograde": [], "nbclient": [], "nodraw": []}
    for run in range(runs):
        wall, outcomes = autograde(course, 1, sandbox)
        walls["autograde"].append(wall / len(outcomes))
        for lesson in lessons:
            per[lesson]["autograde"].append(statistics.mean(o.seconds for o in outcomes if o.job.lesson == lesson))
        for key, backend in (("nbclient", None), ("nodraw", nodraw.NAME)):
            start, n = time.perf_counter(), 0
            for lesson in lessons:
                seconds = [nbclient_seconds(p, tmp / "nbclient", backend) for p in
                           sorted((course.root / "submitted").glob(f"*/{lesson}/{lesson}.ipynb"))]
                per[lesson][key].append(statistics.mean(seconds))
                n += len(seconds)
            walls[key].append((time.perf_counter() - start) / n)
        print(f"  ratio run {run + 1}/{runs}: autograde {walls['autograde'][-1]:.2f} s/notebook, nbclient "
              f"{walls['nbclient'][-1]:.2f}, without drawing {walls['nodraw'][-1]:.2f} (load {load()})", file=sys.stderr)
    rows = [(l, v) for l, v in per.items()] + [("all (wall clock)", walls)]
    return [{"lesson": l, "autograde_s": statistics.median(v["autograde"]), "nbclient_s": statistics.median(v["nbclient"]),
             "nodraw_s": statistics.median(v["nodraw"]),
             "ratio": statistics.median(v["autograde"]) / statistics.median(v["nbclient"])} for l, v in rows]


def scaling(tmp, students, jobs, sandbox):
    """Measures 2 and 5: the class with --jobs 1 and --jobs N; identical grades; peak memory of the N run."""
    names = [f"s{k:03d}" for k in range(students)]
    out = {}
    results = {}
    for n in (1, jobs):
        course = make_course(tmp / f"class-jobs{n}", names)
        from grader.cli.progress import Progress

        bar = Progress(students * len(course.released()), stream=sys.stderr)
        with Memory() as memory:
            wall, outcomes = autograde(course, n, sandbox, bar)
        results[n] = grades(course)
        out[n] = {"jobs": n, "notebooks": len(outcomes), "wall_s": wall, "per_minute": 60 * len(outcomes) / wall,
                  "peak_total_mib": memory.total / 1024, "peak_kernel_mib": memory.kernel / 1024,
                  "load": load()}
        print(f"  class with --jobs {n}: {wall:.0f} s (load {load()})", file=sys.stderr)
    same = results[1] == results[jobs]
    cells = sum(1 for v in results[1].values() if v[0] is not None)
    return {"runs": list(out.values()), "speedup": out[1]["wall_s"] / out[jobs]["wall_s"],
            "identical": same, "grade_cells": cells,
            "points": sum(v[0] or 0 for v in results[1].values())}


def lessons(tmp, runs):
    """Measure 3: each source notebook executed top to bottom (the learner's kernel, figures drawn)."""
    from grader.course.course import INSTALLED_LESSONS, lessons_in

    rows = []
    for lesson in lessons_in(INSTALLED_LESSONS):
        path = INSTALLED_LESSONS / lesson / f"{lesson}.ipynb"
        seconds = [nbclient_seconds(path, tmp / "lesson") for _ in range(runs)]
        rows.append({"lesson": lesson, "seconds": statistics.median(seconds)})
    return rows


def grading(repeats=5):
    """Measure 4: milliseconds of grader.grade(name, reference copy) per exercise, median of `repeats`."""
    import grader
    import solutions

    reference = solutions.fresh_copy()
    rows = []
    for name in grader.NAMES:
        fn = getattr(reference, name)
        times, score = [], None
        for _ in range(repeats):
            start = time.perf_counter()
            score = grader.grade(name, fn).score
            times.append(1000 * (time.perf_counter() - start))
        rows.append({"exercise": name, "ms": statistics.median(times), "score": score})
    return rows


# ---------------------------------------------------------------- the tables


def ok(good):
    return "ok" if good else "MISSED"


def print_tables(r, jobs):
    if "ratio" in r:
        print("\n1. autograde vs nbclient, seconds per notebook (median of runs; target ratio <= 1.5)\n")
        print("| lesson | autograde s | nbclient s | ratio | nbclient without drawing s | autograde / that |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in r["ratio"]:
            print(f"| {row['lesson']} | {row['autograde_s']:.2f} | {row['nbclient_s']:.2f} | {row['ratio']:.2f} | "
                  f"{row['nodraw_s']:.2f} | {row['autograde_s'] / row['nodraw_s']:.2f} |")
        worst = r["ratio"][-1]["ratio"]
        print(f"\nall notebooks: ratio {worst:.2f}  {ok(worst <= TARGETS['ratio'])}")
    if "scaling" in r:
        s = r["scaling"]
        print(f"\n2. the class, {s['runs'][0]['notebooks']} notebooks (target speed-up >= 1.7, identical grades)\n")
        print("| jobs | wall s | notebooks/min | load after |")
        print("|---:|---:|---:|---|")
        for row in s["runs"]:
            print(f"| {row['jobs']} | {row['wall_s']:.0f} | {row['per_minute']:.1f} | {row['load']} |")
        print(f"\nspeed-up {s['speedup']:.2f}  {ok(s['speedup'] >= TARGETS['speedup'])}; grades identical: "
              f"{s['identical']} ({s['grade_cells']} grade cells, {s['points']:.2f} points in all)  {ok(s['identical'])}")
    if "lessons" in r:
        print("\n3. source notebooks top to bottom, nbclient, figures drawn (target < 20 s each)\n")
        print("| lesson | seconds |")
        print("|---|---:|")
        for row in r["lessons"]:
            print(f"| {row['lesson']} | {row['seconds']:.1f} |")
        worst = max(row["seconds"] for row in r["lessons"])
        print(f"\nslowest {worst:.1f} s  {ok(worst < TARGETS['lesson_s'])}")
    if "grade" in r:
        rows = r["grade"]
        slow = max(rows, key=lambda row: row["ms"])
        print("\n4. grader.grade with the reference (median of 5; target < 100 ms each)\n")
        print(f"{len(rows)} exercises: total {sum(row['ms'] for row in rows):.0f} ms, slowest {slow['exercise']} "
              f"{slow['ms']:.1f} ms, all scores 1: {all(row['score'] == 1 for row in rows)}  "
              f"{ok(slow['ms'] < TARGETS['grade_ms'] and all(row['score'] == 1 for row in rows))}")
        print("| " + " | ".join(f"{row['exercise']} {row['ms']:.1f}" for row in sorted(rows, key=lambda x: -x["ms"])[:5])
              + " | (the five slowest, ms)")
    if "scaling" in r:
        run = r["scaling"]["runs"][-1]
        print(f"\n5. peak memory: one grading kernel {run['peak_kernel_mib']:.0f} MiB (peak RSS); the whole "
              f"--jobs {jobs} run {run['peak_total_mib']:.0f} MiB (peak of the summed PSS of every process)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=50, help="students in the class of measure 2 (default 50)")
    p.add_argument("--runs", type=int, default=3, help="runs of measures 1 and 3, medians reported (default 3)")
    p.add_argument("--jobs", type=int, default=2, help="workers of the parallel run of measure 2 (default 2)")
    p.add_argument("--only", default="1,2,3,4,5", help="which measures, e.g. 1,3 (5 comes with 2)")
    p.add_argument("--no-sandbox", action="store_true", help="grade without the sandbox")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--keep", help="build the courses in this (new) folder and keep them")
    a = p.parse_args(argv)
    only = {int(x) for x in a.only.split(",")}
    sandbox = not a.no_sandbox

    from grader.course.course import use_own_tools

    use_own_tools()  # nbgrader runs alembic by name
    tmp = pathlib.Path(a.keep or tempfile.mkdtemp(prefix="actspace-bench-")).resolve()
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"benchmark in {tmp}; {os.cpu_count()} cores; load {load()}; sandbox {'on' if sandbox else 'OFF'}",
          file=sys.stderr)
    r = {}
    try:
        if 4 in only:
            r["grade"] = grading()
        if 3 in only:
            r["lessons"] = lessons(tmp, a.runs)
        if 1 in only:
            r["ratio"] = ratio(tmp, a.runs, sandbox)
        if 2 in only or 5 in only:
            r["scaling"] = scaling(tmp, a.students, a.jobs, sandbox)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nactspace grading benchmark: {os.cpu_count()} cores, load at the end {load()}, "
          f"sandbox {'on' if sandbox else 'OFF'}, {a.runs} run(s), {a.students} students")
    print_tables(r, a.jobs)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(r, indent=1, default=str))


if __name__ == "__main__":
    main()
