"""An isolating grader for the autograd lesson: load, run isolated, compare, score, report."""

# Modules a student's copy leaves out (`python -m grader dist student`): the hidden checks,
# and the instructor's tools that need them or the solutions.
INSTRUCTORS_ONLY = ("checks.hidden", "course", "gradebook", "stubs", "dist")
