"""Checking a function: run it on cases, compare what it returned, judge it against expected answers.

The learner's side: it runs inside learners' and grading kernels, ships in
the learner's install and never imports the reference (``solutions``) or
the misconception banks (``grader.exercises``).
"""
