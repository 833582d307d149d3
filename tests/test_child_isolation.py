"""Red team of the child side: a submission attacks the zygote, the grader, its own
channel and the students graded before it. Each attack runs with bubblewrap and in the
fallback (process isolation); the honest student graded next keeps full marks."""

import os
import secrets
import socket
from pathlib import Path

import pytest

from grader.grade import grade
from grader.results import Grade
from grader.sandbox.child.harden import PROCESSES
from grader.sandbox.host import Sandbox
from tests.conftest import ROOT, SEED, write_submission
from tests.test_hostile import FRAME_WRITER

pytestmark = pytest.mark.sandbox


def graded_with(sandbox: Sandbox, folder: Path, preamble: str = "", bodies: dict[str, str] | None = None) -> Grade:
    write_submission(folder, bodies or {}, {"autograd_basics": preamble})
    return grade(folder, hidden=False, seed=SEED, sandbox=sandbox)


def assert_honest_student_unharmed(sandbox: Sandbox, tmp_path: Path) -> None:
    after = graded_with(sandbox, tmp_path / "honest")
    assert after.score == after.max_score, [r.feedback for r in after.results if r.feedback]


SCANNER = """
import ctypes, re

def scan_memory():
    marker, found = b"QZX" + b"TOKEN", set()
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        start, end = (int(v, 16) for v in fields[0].split("-"))
        anonymous = len(fields) == 5 or fields[5] in ("[heap]", "[stack]")
        if "r" not in fields[1] or not anonymous or end - start > 2**31:
            continue  # decoded data lives in anonymous memory
        for offset in range(start, end, 2**24):
            chunk = ctypes.string_at(offset, min(2**24 + 64, end - offset))
            at = chunk.find(marker)
            while at != -1:
                found.add(chunk[at : at + 32])
                at = chunk.find(marker, at + 1)
    tokens = sorted(t.decode() for t in found if re.fullmatch(rb"QZXTOKEN[0-9a-f]{24}", t))
    print("FOUND", tokens)

"""


def test_a_child_holds_no_data_of_the_students_graded_before(isolated, tmp_path):
    token = "QZXTOKEN" + secrets.token_hex(12)
    first = graded_with(isolated, tmp_path / "first", f"{SCANNER}SECRET = {token!r}\nscan_memory()\n")
    second = graded_with(isolated, tmp_path / "second", f"{SCANNER}scan_memory()\n")
    assert token in first.output  # the scan finds what is in the child's memory...
    assert "FOUND" in second.output and token not in second.output  # ...and nothing of the student before


ATTACKER = """
import ctypes, os

def attack():
    libc, parent, found = ctypes.CDLL(None, use_errno=True), os.getppid(), {}
    found["ptrace"] = libc.ptrace(16, parent, 0, 0)  # PTRACE_ATTACH
    for name in ("mem", "fd/0", "fd/1", "environ"):
        try:
            open(f"/proc/{parent}/{name}", "rb").close()
            found[name] = "opened"
        except OSError as error:
            found[name] = error.errno
    for target in (parent, 1):
        try:
            os.kill(target, 19)  # SIGSTOP
            found[f"kill {target}"] = "sent"
        except OSError as error:
            found[f"kill {target}"] = error.errno
    print("ATTACK", found)

attack()
"""


def test_a_child_cannot_trace_read_or_stop_the_zygote(isolated, tmp_path):
    result = graded_with(isolated, tmp_path / "attacker", ATTACKER)
    line = next(line for line in result.output.splitlines() if line.startswith("ATTACK"))
    assert "'ptrace': -1" in line and "opened" not in line and "sent" not in line, line
    assert_honest_student_unharmed(isolated, tmp_path)


FORGER = FRAME_WRITER + """

def forge():
    garbage = [
        {"event": "result", "index": 0, "error": "boom"},
        {"event": "result", "index": 1, "error": {"kind": "no such kind"}},
        {"event": "result", "index": 2, "observation": {"kind": "tensor", "data": "not a tensor"}},
        {"event": "result", "index": 3, "observation": {"figure": {"kind": "figure"}, "axes": [{"lines": 7}]}},
        {"event": "result", "index": 10**9, "observation": None},
        {"event": "end", "reason": None},
        {"event": "ready"},
        [1, 2, 3],
    ]
    for fd in range(3, 64):
        for event in garbage:
            try:
                os.write(fd, frame(event))
            except OSError:
                break
    for fd in range(3, 64):
        try:
            os.write(fd, b"\\xff\\xff\\xff\\x00 not a frame")
        except OSError:
            pass

forge()
"""


def test_forged_and_malformed_frames_are_unreadable_never_a_crash(isolated, tmp_path):
    result = graded_with(isolated, tmp_path / "forger", FORGER)
    assert result.score < result.max_score  # the forged results are its own loss, never a gain
    lost = {r.feedback.message for r in result.results if r.feedback is not None}
    assert lost <= {"unreadable", "import_failed", "oversized"}, lost
    assert_honest_student_unharmed(isolated, tmp_path)


BOMB = """
    import os, time
    children = []
    for _ in range(10_000):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(3600)
            os._exit(0)
        children.append(pid)
    print("FORKED", len(children))
    return 2 * x + 3
"""


def test_a_fork_bomb_is_capped_for_the_whole_tree_and_cleaned_up(isolated, tmp_path):
    result = graded_with(isolated, tmp_path / "bomber", bodies={"quadratic_grad_by_hand": BOMB})
    line = next(line for line in result.output.splitlines() if line.startswith("FORKED"))
    assert int(line.split()[1]) < PROCESSES
    assert_honest_student_unharmed(isolated, tmp_path)


UID_PROBE = """
import os
print("UID", os.getuid(), os.getgid(), os.getgroups())
try:
    open("/etc/shadow").close()
    print("SHADOW readable")
except OSError:
    print("SHADOW refused")
"""


def child_ids(sandbox: Sandbox, tmp_path: Path) -> tuple[Grade, str]:
    result = graded_with(sandbox, tmp_path / "probe", UID_PROBE)
    return result, next(line for line in result.output.splitlines() if line.startswith("UID"))


def skip_unless_children_drop_uid(sandbox: Sandbox, tmp_path: Path) -> None:
    if child_ids(sandbox, tmp_path)[1].startswith(f"UID {os.getuid()} "):
        pytest.skip("children keep the grader's uid here (not root, or a Python that other users cannot read)")


def test_a_child_runs_under_an_unprivileged_uid_of_its_own(isolated, tmp_path):
    skip_unless_children_drop_uid(isolated, tmp_path)
    result, uid_line = child_ids(isolated, tmp_path)
    uid, gid = (int(n) for n in uid_line.split()[1:3])
    assert uid == gid and uid >= 2_000_000_000 and uid_line.endswith("[]")
    assert "SHADOW refused" in result.output


def test_a_child_reaches_no_network(isolated, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    caller = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {listener.getsockname()[1]}), timeout=2).close()
    print("NETWORK reached")
except OSError as error:
    print("NETWORK refused", error.errno)
"""
    try:
        result = graded_with(isolated, tmp_path / "caller", caller)
    finally:
        listener.close()
    assert "NETWORK refused" in result.output


KIT_FILES = [str(ROOT / "solutions" / "autograd_basics.py"), str(ROOT / "grader" / "lesson" / "checks" / "hidden.py"),
             str(ROOT / ".git" / "HEAD")]
SNOOPER = f"""
import os
for path in {KIT_FILES!r}:
    try:
        print("READ", path, len(open(path).read()))
    except OSError as error:
        print("REFUSED", path, error.errno)
try:
    print("LISTED", os.listdir({str(ROOT)!r}))
except OSError as error:
    print("REFUSED listing", error.errno)
for folder in ("/tmp", os.path.expanduser("~")):
    try:
        open(os.path.join(folder, "planted-by-a-student"), "w").close()
        print("WROTE", folder)
    except OSError as error:
        print("REFUSED writing", folder, error.errno)
print("LEFT", sorted(os.listdir(".")))
open("left-behind.txt", "w").write("for the next student")
"""


def test_a_child_reads_nothing_of_the_kit_and_writes_only_its_own_folder(isolated, tmp_path):
    first = graded_with(isolated, tmp_path / "snooper", SNOOPER)
    second = graded_with(isolated, tmp_path / "next", SNOOPER)
    for result in (first, second):
        assert not {"READ", "LISTED", "WROTE"} & set(result.output.split()), result.output
        assert "REFUSED writing /tmp" in result.output
    assert "left-behind.txt" not in second.output  # each job has a fresh folder
    assert not (Path("/tmp") / "planted-by-a-student").exists()


FILLER = """
    for n in range(100_000):
        with open(f"filler-{n}", "wb") as handle:
            handle.write(bytes(2**20 - 1))  # under RLIMIT_FSIZE, each
    return 2 * x + 3
"""


def test_files_written_in_all_are_capped(isolated, tmp_path):
    result = graded_with(isolated, tmp_path / "filler", bodies={"quadratic_grad_by_hand": FILLER})
    assert "quadratic_grad_by_hand" in {r.function for r in result.results if r.score < r.max_score}
    # Stopped by the grader's cap, or, on bubblewrap's small /tmp, by a full disk first; the
    # calls its child runs after that pay for the full folder too (which ones depends on
    # when the cap is seen): the student's own loss, and only theirs.
    lost = {(r.feedback.message, r.feedback.params.get("message", "")) for r in result.results if r.feedback}
    assert all(message == "disk_limit" or "No space left" in text for message, text in lost), lost
    assert not list(Path("/tmp").glob("job-*/filler-0"))  # the job's folder went with the job
    assert_honest_student_unharmed(isolated, tmp_path)
