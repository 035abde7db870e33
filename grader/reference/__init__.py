"""The instructor's side of checking: answers from the reference (``solutions``) and the misconception banks.

Never in a learner's install and never importable in a grading kernel.
"""
