#!/usr/bin/env bash
# The CUDA checks, for a machine where torch sees a GPU (the device tool's machine, say):
# every check of the solutions on CPU and CUDA, then the grader's tests without nbgrader.
# That machine has torch, pytest, matplotlib and numpy; carry wheels for rich, watchfiles,
# nbformat and hypothesis (see the device tool's README) and install them first.
set -euo pipefail
export PYTHONPATH=$PWD
python -c "import torch; print('device:', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no CUDA')"
python -m grader check solutions --hidden --seed 1 --lang en
python -m pytest tests -q -m "not nbgrader" -p no:cacheprovider -rs
