"""How long `grader.grade` takes per exercise with the reference (a copy, so the reference check does not trip).

    PYTHONPATH=. python benchmarks/grade_timing.py

Prints the median of 5 runs per exercise (after one warm-up); each must stay under 100 ms.
"""
import statistics
import time

import grader
import solutions


def main(repeats=5):
    ref = solutions.fresh_copy()
    rows = []
    for name in grader.NAMES:
        fn = getattr(ref, name)
        assert grader.grade(name, fn).score == 1.0, name  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = grader.grade(name, fn)
            times.append(time.perf_counter() - start)
            assert result.score == 1.0, name
        rows.append((name, 1000 * statistics.median(times), result.total))
    for name, ms, n in rows:
        print(f"{name:28s} {ms:6.1f} ms  ({n} cases)")
    print(f"slowest: {max(ms for _, ms, _ in rows):.1f} ms")


if __name__ == "__main__":
    main()
