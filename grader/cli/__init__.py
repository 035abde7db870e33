"""`actspace`: the course from a terminal (lab for learners; release, collect, autograde, feedback, grades for instructors; demo).

Only `lab` works in a learner's install; the other commands are the
instructor's and say so there (``grader.InstructorOnly``).
"""
import argparse
import os
import sys

from grader import InstructorOnly, LEARNER_INSTALL, is_instructor_side
from grader.cli.lab import LabError

_COURSE_HELP = ("course folder (default: the current folder); its lessons/ if it has one, "
                "else the lessons installed with actspace")


def _course(args, must_exist=True, refresh=False):
    """The course of an instructor command, its folder made ready for nbgrader (grader/course/nbconfig.py)."""
    from grader.course import nbconfig
    from grader.course.course import Course

    course = Course(args.course, must_exist=must_exist)
    nbconfig.prepare(course, args.command, refresh=refresh)
    return course


def cmd_lab(args):
    from grader.cli import lab

    source = None
    if args.course:  # an instructor's own lessons (the instructor's install)
        from grader.course.course import Course

        source = Course(args.course).source
    lab.run(args.dir, lessons=args.lessons, port=args.port, no_browser=args.no_browser, source=source)


def cmd_release(args):
    from grader.course.course import release

    course = _course(args, refresh=True)  # nbgrader's source/ copy of the lessons refreshed
    lessons, exchanged = release(course, args.lessons)
    print(f"Student versions of {', '.join(lessons)} in {course.root / 'release'}")
    print("Released to the nbgrader exchange." if exchanged else
          "No nbgrader exchange configured: hand out the release/ folders (e.g. upload them to your LMS).")


def cmd_collect(args):
    from grader.course import collect

    course = _course(args)
    if args.source:
        done = collect.from_export(course, args.source, args.lessons)
    else:
        done = collect.from_exchange(course, args.lessons)
    for line in done.lines():
        print(line)
    students = sorted({s for s, _ in done.pairs})
    print(f"Collected {len(done.pairs)} submissions of {len(students)} students into {course.root / 'submitted'}"
          + (f" (named as {done.scheme} names them)" if done.scheme not in ("", "exchange") else "") + ": "
          + ", ".join(f"{n} {what}" for n, what in ((len(done.new), "new"), (len(done.updated), "updated"),
                                                     (len(done.replaced_graded), "updated after grading"),
                                                     (len(done.unchanged), "unchanged"),
                                                     (len(done.skipped), "files left out")) if n))


def cmd_autograde(args):
    from grader.autograde import autograde
    from grader.course.course import CourseError

    if args.jobs < 1:
        raise CourseError("--jobs must be at least 1")
    course = _course(args)
    if args.no_sandbox:
        _warn_unsandboxed(args.command)
    outcomes = autograde(course, args.lessons, jobs=args.jobs, sandbox=not args.no_sandbox)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"not graded: {o.job.student}/{o.job.lesson}: {o.message} (scored 0)")
    print(f"Autograded {len(outcomes) - len(failed)} of {len(outcomes)} submissions.")


def _warn_unsandboxed(command):
    """Say on stderr that students' code runs without the sandbox, and why the sandbox would not start."""
    from grader import sandbox

    ok, why = sandbox.available()
    print(f"actspace {command}: warning: grading WITHOUT the sandbox: students' code runs with your rights "
          f"and can read the solutions and change the gradebook" + ("" if ok else f" (the sandbox: {why})"),
          file=sys.stderr)


def cmd_feedback(args):
    from grader.course import report

    course = _course(args)
    written, skipped = report.feedback(course, args.lessons)
    for student, lesson in skipped:
        print(f"no feedback: {student}/{lesson} (its notebook could not be autograded)")
    print(f"Wrote {len(written)} feedback files into {course.root / 'feedback'}/<student>/<lesson>/")


def cmd_grades(args):
    from grader.course import report

    table = report.grade_table(_course(args))
    print(table.text())
    if args.csv:
        print(f"CSV written to {report.write_csv(table, args.csv)}")


def cmd_demo(args):
    from grader.course import demo
    from grader.course.course import CourseError
    from grader import sandbox

    if args.jobs < 1:
        raise CourseError("--jobs must be at least 1")
    from grader.course.course import Course

    source = Course(args.course).source if args.course else None
    sandboxed, how = sandbox.available()
    if sandboxed:
        print(f"Grading kernels run in the {how}.")
    else:
        _warn_unsandboxed(args.command)
    demo.run(args.dir, jobs=args.jobs, source=source, sandbox=sandboxed)


def cmd_build(args):
    from grader.course import build

    lessons, keys, given = build.build()
    print(f"Student lessons: {', '.join(lessons)} in {build.STUDENT_LESSONS}")
    print(f"Practice keys: {len(keys)} files in {build.KEYS}")
    print(f"Given figure numbers: {', '.join(p.name for p in given)} in {build.DATA}")


def parser():
    """The argument parser of `actspace` and its subcommands."""
    p = argparse.ArgumentParser(prog="actspace", description=__doc__.split(": ", 1)[1])
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, fn, help, course=True, lessons=True):
        c = sub.add_parser(name, help=help, description=help)
        c.set_defaults(fn=fn)
        if course:
            c.add_argument("--course", metavar="DIR", default=None if name == "lab" else os.getcwd(), help=_COURSE_HELP)
        if lessons:
            c.add_argument("lessons", nargs="*", metavar="LESSON", help="lesson names, e.g. 01_change_of_basis (default: all)")
        return c

    c = command("lab", cmd_lab, "build the student versions of the lessons into a working folder and open JupyterLab there")
    c.add_argument("--dir", default="actspace-lessons", help="working folder (default: ./actspace-lessons); "
                   "lessons already there are kept, with your work")
    c.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: 8888 or the next free one)")
    c.add_argument("--no-browser", action="store_true", help="do not open a browser; just print the URL")
    c._option_string_actions["--course"].help = "take the lessons from this course folder's lessons/"

    command("release", cmd_release, "generate the student versions; release them to the nbgrader exchange if one is configured")
    c = command("collect", cmd_collect, "collect submissions from the exchange, or from an LMS export (zip or folder)")
    c.add_argument("--from", dest="source", metavar="ZIP_OR_FOLDER",
                   help="an LMS export: files named like Canvas, Moodle or Blackboard name them, "
                        "or <student>/<lesson>.ipynb, or <student>_<lesson>.ipynb")
    c = command("autograde", cmd_autograde, "autograde every collected submission, with a progress bar")
    c.add_argument("--jobs", type=int, default=1, metavar="N", help="grade N submissions at once (same grades as one at a time)")
    c.add_argument("--no-sandbox", action="store_true",
                   help="run students' code without the sandbox (bubblewrap), which is used by default; "
                        "only where it cannot start: the code can then read the solutions and change the gradebook")
    command("feedback", cmd_feedback, "write nbgrader feedback HTML per student and lesson")
    c = command("grades", cmd_grades, "print the students x lessons grade table; optionally write it as CSV", lessons=False)
    c.add_argument("--csv", metavar="PATH", help="write the table as CSV for an LMS")
    command("build", cmd_build, "course authors: rebuild the student lessons, practice keys and given figure numbers "
            "that ship with actspace from lessons/ and solutions/", course=False, lessons=False)
    c = command("demo", cmd_demo, "grade a bundled demo class end to end in a temporary course folder",
                course=False, lessons=False)
    c.add_argument("--course", metavar="DIR", default=None, help="take the lessons from this course folder's lessons/")
    c.add_argument("--dir", default=None, help="an empty or new folder for the demo course (default: a new temporary folder)")
    c.add_argument("--jobs", type=int, default=1, metavar="N", help="grade N submissions at once")
    return p


def _disk_full(error):
    """Is this OSError a full disk (the instructor's side tells; a learner's install just reports it)?"""
    try:
        from grader.course.files import disk_full
    except ImportError:
        return False
    return disk_full(error)


def _course_errors():
    """The instructor side's one-line error, where it is installed."""
    try:
        from grader.course.course import CourseError
    except ImportError:
        return ()
    return (CourseError,)


def main(argv=None):
    """Entry point of the `actspace` command; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        args.fn(args)
    except ModuleNotFoundError as e:
        if not is_instructor_side(e.name):
            raise
        print(f"actspace {args.command}: error: {LEARNER_INSTALL}", file=sys.stderr)
        return 2
    except (LabError, InstructorOnly, *_course_errors()) as e:
        print(f"actspace {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"actspace {args.command}: interrupted; the gradebook is as it was before", file=sys.stderr)
        return 130
    except OSError as e:
        if not _disk_full(e):
            raise
        print(f"actspace {args.command}: error: the disk is full ({e.filename or e}); the gradebook is as it "
              "was: free some space and try again", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
