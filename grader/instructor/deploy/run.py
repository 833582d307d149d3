"""On the platform, for each submission: `python -m grader.instructor.deploy.run gradescope
ROOT` (run_autograder) or `... prairielearn ROOT` (run.sh), ROOT being /autograder or /grade.

Any results.json already there is removed first and the grader's own is written at the
end, atomically: nothing a submission wrote can stand in for it. Should the grader itself
fail, there is none, and the platform says the grading failed (the traceback is in its log).
"""

import sys
from pathlib import Path

from grader.instructor.deploy import gradescope, prairielearn, read_options
from grader.instructor.student_results import write_json
from grader.sandbox.spawn import IsolationError, require_containment
from grader.terminal import visible

PLATFORMS = {"gradescope": gradescope.grade_submission, "prairielearn": prairielearn.grade_submission}


def main(argv: list[str]) -> int:
    platform, root = argv[0], Path(argv[1])
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    options = read_options()
    try:
        require_containment(options.lang)
    except IsolationError as error:  # no results: the platform says the grading failed, and its log why
        print(f"error: {error}", file=sys.stderr)
        return 2
    results, printed = PLATFORMS[platform](root, options)
    print(visible(printed))  # a log an instructor may read in a terminal
    write_json(target, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
