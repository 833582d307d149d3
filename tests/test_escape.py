"""Red team of the child's defences that must hold without bubblewrap as well: no socket and
no other program (the way out through a tmux server, D-Bus or an ssh-agent), no kit in a
system folder, no other process in /proc, no memory outside the caps, and nothing left
behind. Each attack runs with bubblewrap and at the process level; the honest student
graded next keeps full marks."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.results import Grade
from grader.sandbox.child import folders, harden
from tests.conftest import ROOT, write_submission
from tests.test_child_isolation import assert_honest_student_unharmed, graded_with

pytestmark = pytest.mark.sandbox
LEVELS = ["bwrap", "process"]


def raised(result: Grade, function: str) -> set[str]:
    """The exception types the student's feedback names for `function`."""
    return {r.feedback.params.get("type", "") for r in result.results
            if r.function == function and r.feedback and r.feedback.message == "raised"}


def assert_no_grader_error(result: Grade) -> None:
    assert not [r.feedback.debug for r in result.results if r.feedback and r.feedback.message == "grader_error"]


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[socket.socket]:
    """A unix socket anyone may connect to, as a tmux server's, D-Bus's or an ssh-agent's is to their user."""
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "agent.sock"))
    os.chmod(tmp_path / "agent.sock", 0o777)
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


@pytest.fixture
def tmux_server(tmp_path: Path) -> Iterator[Path]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    sock = tmp_path / "tmux.sock"
    subprocess.run(["tmux", "-S", str(sock), "-f", "/dev/null", "new-session", "-d"], check=True, timeout=30)
    yield sock
    subprocess.run(["tmux", "-S", str(sock), "kill-server"], timeout=30)


def test_a_child_opens_no_socket_and_runs_no_program(isolated, tmp_path, listener, tmux_server):
    marker = tmp_path / "MARKER"
    attacks = {
        "quadratic_grad_by_hand": f"""
            import socket
            agent = socket.socket(socket.AF_UNIX)
            agent.connect({listener.getsockname()!r})
            agent.sendall(b"touch {marker}")""",
        "chain_rule_grads": "import socket\nsocket.socketpair()",
        "quadratic_grad": f"""
            import os
            os.execv({shutil.which("tmux")!r}, ["tmux", "-S", {str(tmux_server)!r}, "run-shell", "touch {marker}"])""",
    }
    result = graded_with(isolated, tmp_path / "escaper", bodies=attacks)
    assert_no_grader_error(result)
    for function in attacks:
        assert "PermissionError" in raised(result, function), function  # said to the student: the call failed
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody called
    assert not marker.exists()
    assert_honest_student_unharmed(isolated, tmp_path)


@pytest.fixture
def kit_in_opt() -> Iterator[Path]:
    """A copy of the kit where a course installs it: /opt, which the child's system grants hold."""
    copy = Path("/opt") / f"grader-kit-{secrets.token_hex(6)}"
    try:
        copy.mkdir()
    except OSError:
        pytest.skip("/opt is not writable here")
    try:
        for package in ("grader", "solutions"):
            shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
        yield copy
    finally:
        shutil.rmtree(copy)


@pytest.mark.parametrize("level", LEVELS)
def test_a_kit_in_a_system_folder_stays_unread(kit_in_opt, tmp_path, level):
    if level == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    targets = [kit_in_opt / "solutions" / "autograd_basics.py", kit_in_opt / "grader/lessons/autograd/checks/hidden.py"]
    thief = f"""
import os
print("ATTEMPTED")
for path in {[str(t) for t in targets]!r}:
    try:
        print("STOLEN", len(open(path).read()), path)
    except OSError as error:
        print("REFUSED", error.errno, path)
"""
    write_submission(tmp_path / "thief", {}, {"autograd_basics": thief})
    run = subprocess.run([sys.executable, "-m", "grader", "check", str(tmp_path / "thief"), "--isolation", level,
                          "--lang", "en"], cwd=kit_in_opt, env={**os.environ, "PYTHONPATH": str(kit_in_opt)},
                         capture_output=True, text=True, timeout=600)
    assert "ATTEMPTED" in run.stdout, run.stdout + run.stderr
    assert "STOLEN" not in run.stdout and run.stdout.count("REFUSED") == len(targets), run.stdout


def test_landlock_grants_a_system_folder_around_the_kit(tmp_path, monkeypatch):
    system = tmp_path.resolve() / "opt"
    kit = system / "course" / "kit"
    for folder in (kit / "solutions", system / "course" / "data", system / "other"):
        folder.mkdir(parents=True)
    monkeypatch.setattr(harden, "SYSTEM", (str(system),))
    granted = {os.path.realpath(path) for path in harden.readable_paths(str(kit))}
    assert {str(system / "other"), str(system / "course" / "data")} <= granted
    assert not any(str(kit / "solutions").startswith(path) for path in granted)


PROC_READER = """
import os
own = os.getpid()
for pid in sorted({{own, os.getppid(), 1, {pids}}}):
    try:
        print("SEEN", pid, open(f"/proc/{{pid}}/cmdline", "rb").read())
    except OSError as error:
        print("HIDDEN", pid, error.errno)
for path in ("/proc/self/status", "/proc/self/maps", "/proc/meminfo", "/proc/net/unix"):
    try:
        print("READABLE", path, len(open(path).read()))
    except OSError as error:
        print("UNREADABLE", path, error.errno)
try:
    print("LISTED", len(os.listdir("/proc")))
except OSError as error:
    print("UNLISTED", error.errno)
print("OWN", own)
"""


def test_proc_shows_the_child_only_itself(isolated, tmp_path):
    token = f"seed-{secrets.token_hex(8)}"
    # A stand-in for a grader started with secrets on its command line.
    grader = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "--hidden", "--seed", token])
    try:
        result = graded_with(isolated, tmp_path / "reader", PROC_READER.format(pids=f"{grader.pid}, {os.getpid()}"))
    finally:
        grader.kill()
        grader.wait()
    lines = result.output.splitlines()
    own = next(line.split()[1] for line in lines if line.startswith("OWN"))
    assert token not in result.output and "pytest" not in result.output
    assert [line.split()[1] for line in lines if line.startswith("SEEN")] == [own]  # itself, and nobody else
    assert "READABLE /proc/self/status" in result.output and "READABLE /proc/meminfo" in result.output
    assert "UNREADABLE /proc/net/unix" in result.output and "UNLISTED" in result.output


HOARDER = """
    import ctypes, os, resource
    held = []
    try:
        while len(held) < 2500:
            fd = os.memfd_create("hoard")
            os.ftruncate(fd, 2**20)
            held.append(fd)
        print("MEMFDS", len(held))
    except OSError as error:
        print("MEMFDS", len(held), error.errno)
    try:
        open("/dev/shm/hoard", "wb").write(bytes(2**20))
        print("SHM-FILE written")
    except OSError as error:
        print("SHM-FILE refused", error.errno)
    libc = ctypes.CDLL(None, use_errno=True)
    print("SHMGET", libc.shmget(0, 2**20, 0o1600), ctypes.get_errno())
    pipes = []
    try:
        while True:
            pipes.append(os.pipe())
    except OSError:
        print("PIPES", len(pipes), resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    return 2 * x + 3
"""


def test_memory_outside_the_cap_is_refused(isolated, tmp_path):
    result = graded_with(isolated, tmp_path / "hoarder", bodies={"quadratic_grad_by_hand": HOARDER})
    assert_no_grader_error(result)
    said = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()}
    assert said["MEMFDS"] == ["0", "1"]  # EPERM at the first
    assert said["SHM-FILE"][0] == "refused"
    assert said["SHMGET"] == ["-1", "1"]
    pipes, hard_limit = (int(n) for n in said["PIPES"])
    assert hard_limit == harden.OPEN_FILES and 2 * pipes < harden.OPEN_FILES
    assert_honest_student_unharmed(isolated, tmp_path)


LITTERER = """
import os
print("JOB", os.getcwd())
os.mkdir("locked")
open("locked/secret", "w").close()
os.chmod("locked/secret", 0)
os.chmod("locked", 0)
os.symlink("/", "root-link")
os.mkfifo("pipe")
here = os.getcwd()
for _ in range(1200):  # deeper than Python's recursion limit, and than a path may name
    os.mkdir("deeper-and-deeper")
    os.chdir("deeper-and-deeper")
os.chmod(".", 0)
os.chdir(here)
"""


def test_job_folders_go_whatever_the_child_leaves(isolated, tmp_path):
    zygote = isolated.zygote
    first = graded_with(isolated, tmp_path / "litterer", LITTERER)
    job = next(line.split(maxsplit=1)[1] for line in first.output.splitlines() if line.startswith("JOB"))
    checker = f"import os\nprint('PREVIOUS', 'STAYED' if os.path.lexists({job!r}) else 'GONE')\n"
    second = graded_with(isolated, tmp_path / "next", checker)
    assert "PREVIOUS GONE" in second.output, second.output
    assert second.score == second.max_score
    assert isolated.zygote is zygote and zygote.process.poll() is None  # the same zygote lives on


@pytest.mark.skipif(os.geteuid() != 0, reason="a child of another uid needs root")
def test_a_folder_closed_by_its_owner_is_removed_under_that_uid(tmp_path):
    uid = 2_100_000_000
    job = Path(folders.job_folder(uid))
    (job / "locked" / "inner").mkdir(parents=True)
    (job / "locked" / "inner" / "file").touch()
    for path in (job / "locked" / "inner" / "file", job / "locked" / "inner", job / "locked"):
        os.chown(path, uid, uid)
        path.chmod(0)
    folders.remove(str(job), uid)
    assert not job.exists()


def test_a_cleanup_failure_is_logged_never_raised(tmp_path, capsys):
    folders.remove(str(tmp_path / "never-made"), None)
    assert "stays behind" in capsys.readouterr().err
