"""Each job's folder: made fresh for the job, removed after it whatever the child left there.

A child may leave folders of mode 000, files in them, and folders nested deeper than
Python's recursion limit or than a path can name. The zygote removes them all, and a folder
it cannot remove is logged (the instructor sees the zygote's log), never a reason to die:
the next job gets a folder of its own either way.
"""

import os
import sys
import tempfile
import traceback

from grader.sandbox.child import harden

OWNER_ONLY = 0o700


def job_folder(uid: int | None) -> str:
    """The one folder a job's child may write (its cwd and TMPDIR), fresh for each job, so
    that nothing a student leaves there reaches the next one."""
    folder = tempfile.mkdtemp(prefix="job-")
    if uid is not None:
        os.chown(folder, uid, uid)
    return folder


def remove(folder: str, uid: int | None) -> None:
    """Remove the job's folder. What the child made there is removed under its own uid (the
    zygote may lack the capability to remove or change another user's files); the folder
    itself by the zygote, which made it."""
    try:
        if uid is None:
            empty(folder)
        else:
            as_user(uid, folder)
        os.rmdir(folder)
    except Exception as error:  # OSError, or a bug here: either way the zygote goes on
        print(f"zygote: the job folder {folder} stays behind: {error!r}", file=sys.stderr)


def as_user(uid: int, folder: str) -> None:
    """Empty `folder` in a process of its own that runs as `uid`, and wait for it."""
    pid = os.fork()
    if pid == 0:
        try:
            harden.drop_to(uid)
            os.chdir("/")  # the zygote's folder may be closed to `uid`; empty() comes back here
            empty(folder)
        except BaseException:
            traceback.print_exc()  # to the zygote's log
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def empty(folder: str) -> None:
    """Remove what `folder` holds, walking down and up with chdir: no recursion and no long
    paths, however deep the student nested; each folder is opened to its owner first (mode
    700), whatever mode the student left it in."""
    back = os.open(".", os.O_PATH)
    try:
        os.chmod(folder, OWNER_ONLY)
        os.chdir(folder)
        empty_here()
    finally:
        os.fchdir(back)
        os.close(back)


def empty_here() -> None:
    levels: list[tuple[str | None, list[str]]] = [(None, clear_files())]  # a folder's name, its folders left
    while levels:
        name, inner = levels[-1]
        if inner:
            entered = inner.pop()
            os.chmod(entered, OWNER_ONLY)
            os.chdir(entered)
            levels.append((entered, clear_files()))
            continue
        levels.pop()
        if name is not None:
            os.chdir("..")
            os.rmdir(name)


def clear_files() -> list[str]:
    """Unlink the current folder's files (links and pipes too); the names of its folders."""
    entries = list(os.scandir("."))
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            os.unlink(entry.name)
    return [entry.name for entry in entries if entry.is_dir(follow_symlinks=False)]
