"""Judging, in the grader's own process: compare what came back with what was expected
(verdict, compare), then score it."""
