"""An isolating grader for the autograd lesson: load, run isolated, compare, score, report."""
