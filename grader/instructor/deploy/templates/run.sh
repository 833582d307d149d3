#!/usr/bin/env bash
# PrairieLearn's external grader runs this in the image of info.json for each submission
# (written by `python -m grader dist prairielearn`): it grades /grade/student into
# /grade/results/results.json.
set -euo pipefail
root=${{GRADE_ROOT:-/grade}}  # a test points it at a folder of its own
kit="$root/tests/kit"
# only the grader's process reads the reference and the checks; each child runs under a
# uid of its own (when this runs as root), which needs the way to the kit searchable
# (the kit's lessons, and an instructor's own lesson where one was deployed in lessons/)
chmod -R go-rwx "$kit/solutions" "$kit/grader/lessons"
if [ -d "$kit/lessons" ]; then chmod -R go-rwx "$kit/lessons"; fi
chmod go+rx "$root" "$root/tests" "$kit"
cd "$kit"
exec python3 -m grader.instructor.deploy.run prairielearn "$root"
