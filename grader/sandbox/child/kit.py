"""Where the kit and the interpreter's packages are: what a child may read, and what it may
never read (the kit's own copies). Plain Python: the host side uses it on every system."""

import os
import sys

SITE_FOLDERS = ("site-packages", "dist-packages")
KIT_PACKAGES = {"grader", "solutions", "exercises", "tests", "bench", "tools"}


def python_paths() -> list[str]:
    return [path for path in sys.path if path and os.path.isdir(path)]


def kit_copies() -> list[str]:
    """The kit's packages installed in a site-packages on sys.path (tox installs it so),
    resolved: left out of Landlock's grants here and of bubblewrap's view (spawn.py)."""
    sites = {os.path.realpath(path) for path in python_paths() if os.path.basename(path) in SITE_FOLDERS}
    copies = (os.path.join(site, name) for site in sites for name in KIT_PACKAGES)
    return [copy for copy in copies if os.path.exists(copy)]
