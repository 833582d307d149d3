#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (written by
# `python -m grader dist gradescope`): a virtual environment with a CPU build of torch and
# the kit's requirements. The kit itself is not installed: it runs from /autograder/source.
set -euo pipefail
root=${{AUTOGRADER_ROOT:-/autograder}}  # a test points it at a folder of its own
torch_index=${{TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}}  # "": pip's own configuration
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update && apt-get install -y --no-install-recommends python3 python3-venv libseccomp2
fi
python3 -m venv "$root/venv"
"$root/venv/bin/pip" install --quiet ${{torch_index:+--index-url "$torch_index"}} "torch=={torch}"
"$root/venv/bin/pip" install --quiet -r "$root/source/requirements.txt"
