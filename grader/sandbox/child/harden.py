"""What a child does to itself, after the fork and before student code runs, so that it
cannot reach the zygote, the grader or other children, and cannot outgrow its limits.

In order: resource limits (while still privileged: they hold for the whole tree once the
uid is dropped), an unprivileged uid of its own (when the zygote runs as root: containers,
Gradescope, bubblewrap as root) or else no capabilities, a Landlock file-system allowlist
(where the kernel has it), then a seccomp filter (where libseccomp is installed).
"""

import ctypes
import errno
import os
import platform
import resource
import stat
import struct
import sys
from pathlib import Path

from grader.sandbox.child.kit import SITE_FOLDERS, kit_copies, python_paths

CLONE_THREAD = 0x10000
PR_CAPBSET_DROP, PR_SET_SECUREBITS = 24, 28
SECURE_NOROOT = 0b1111  # SECBIT_NOROOT and SECBIT_NO_SETUID_FIXUP, each locked
CAPABILITY_VERSION_3 = 0x20080522
CAPSET = {"x86_64": 126, "aarch64": 91}  # the capset syscall's number
CAP_SETGID, CAP_SETUID = 6, 7
PROCESSES = 8  # threads count too (a child has one); so the tree holds at most 8 × the memory cap
# Syscalls that reach into other processes or the kernel's namespaces and mounts: none has a
# use in this lesson.
DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "pidfd_open", "perf_event_open",
    "bpf", "userfaultfd", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "keyctl", "add_key",
    "request_key", "open_by_handle_at", "name_to_handle_at", "init_module", "finit_module", "delete_module",
    "kexec_load", "reboot", "swapon", "swapoff", "io_uring_setup", "tkill", "pidfd_send_signal",
)
# No socket of any family: a unix socket reaches whatever listens on this machine (a tmux
# server, D-Bus, an ssh-agent, docker), which would run a command outside every defence. No
# other program either: the grading needs neither.
OUTSIDE = ("socket", "socketpair", "execve", "execveat")
# Memory that the address-space cap does not count or that outlives the child: memfds, and
# SysV and POSIX IPC objects (the kernel's, shared with every process of the machine).
UNCOUNTED_MEMORY = (
    "memfd_create", "memfd_secret", "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl", "ipc", "mq_open",
)
# Open files, pipes included: each pipe may hold a MiB outside the address-space cap. The kit
# itself holds about 110 (Landlock's grants of the child's own /proc entries stay open, see
# own_proc); grading the solutions opens fewer than 10 more.
OPEN_FILES = 192


def missing() -> list[str]:
    """The defences this machine cannot give a child (said once to the instructor)."""
    libc = ctypes.CDLL(None, use_errno=True)
    absent = [] if can_change_uid() or os.geteuid() != 0 else ["own_uid"]
    if libc.syscall(LANDLOCK_CREATE, None, 0, 1) < 1:
        absent.append("landlock")
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, OSError):
        absent.append("seccomp")
    return absent


def set_limits(limits: dict, uses_cuda: bool, dropping_uid: bool) -> None:
    seconds = int(limits["job_seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    if dropping_uid:
        # Counted per uid: with a uid of its own, this caps the submission's whole tree. Under
        # the instructor's own uid it would count their processes too, so it is not set then.
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))
    if not uses_cuda:
        # CUDA reserves a large virtual address space, so an address-space cap would
        # stop it from starting; on CUDA only the wall-clock and CPU limits apply.
        address_space = current_address_space() + limits["memory_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def current_address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def can_change_uid() -> bool:
    """Root with CAP_SETUID and CAP_SETGID (bubblewrap as root keeps just these), and an
    interpreter that another uid can read: Python installed under /root (pyenv) is not,
    and a child that cannot import the standard library cannot be graded."""
    with open("/proc/self/status") as status:
        effective = next(int(line.split()[1], 16) for line in status if line.startswith("CapEff:"))
    capable = effective & (1 << CAP_SETGID) != 0 and effective & (1 << CAP_SETUID) != 0
    return os.geteuid() == 0 and capable and all(map(readable_by_anyone, interpreter_folders()))


def readable_by_anyone(path: str) -> bool:
    """Every folder on the way is searchable by others, and the folder itself readable."""
    parts = os.path.abspath(path).split(os.sep)
    ancestors = [os.sep + os.path.join(*parts[1:i]) if i > 1 else os.sep for i in range(1, len(parts) + 1)]
    modes = [os.stat(folder).st_mode for folder in ancestors]
    return all(mode & stat.S_IXOTH for mode in modes) and bool(modes[-1] & stat.S_IROTH)


def drop_capabilities() -> None:
    """Where the uid stays root (no other uid can run this Python): no capability is left,
    none can come back through execve, so /proc of the zygote, other users' processes and
    the kernel's knobs stay out of reach (files owned by root remain readable: see the
    threat model)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the last one: ignored
    libc.prctl(PR_SET_SECUREBITS, SECURE_NOROOT, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: twice 32 bits, all clear
    if libc.syscall(CAPSET[platform.machine()], header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def drop_to(uid: int) -> None:
    """Become `uid` for good (group too, no supplementary groups): every capability goes."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def seccomp_filter() -> bool:
    """Refuse what reaches other processes or other programs, sockets, and memory outside the
    caps. False where libseccomp is not installed."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError):  # pyseccomp loads libseccomp.so with ctypes when imported
        return False
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    refuse = seccomp.ERRNO(errno.EPERM)
    for name in (*DENIED, *OUTSIDE, *UNCOUNTED_MEMORY):
        try:
            rules.add_rule(refuse, name)
        except (RuntimeError, OSError, ValueError):  # a syscall this kernel or arch does not have
            continue
    # No new processes, only threads: the memory cap then holds for the whole submission,
    # even as root, where RLIMIT_NPROC does not apply (clone3 hides its flags from seccomp:
    # "not implemented" makes glibc fall back to clone, whose flags can be read).
    for name in ("fork", "vfork"):
        rules.add_rule(refuse, name)
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    own = os.getpid()
    # Signals to itself only: never to the zygote, the grader or another student's child
    # (libseccomp compares an argument once per rule, so kill(0, ...) is refused too).
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        rules.add_rule(refuse, name, seccomp.Arg(0, seccomp.NE, own))
    rules.load()
    return True


# Landlock (Linux 5.13+, no privilege needed): the child may read only the interpreter,
# its packages and the system's libraries and data, and write only its own job folder.
LANDLOCK_CREATE, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT = 444, 445, 446  # the same on x86_64 and aarch64
PR_SET_NO_NEW_PRIVS = 38
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14)  # what a rule on a file (not a folder) may grant
READ = EXECUTE | READ_FILE | READ_DIR
# Granted whole, but for a copy of the kit inside one (a course's checkout in /opt or
# /usr/local/src): then entry by entry around it, as for the interpreter's folders.
SYSTEM = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/opt", "/sys")
# Of /etc, what bubblewrap's view shows (spawn.ETC): the linker's cache (ctypes finds libseccomp
# through it), fontconfig's configuration and the time zone; never /etc/shadow or a host's keys,
# which a child that stays root without capabilities could otherwise read as their owner.
ETC = ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
# Of /proc, beside the child's own entries, what the system's libraries read (CUDA's driver its own).
PROC = ("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/sys/vm/overcommit_memory", "/proc/driver/nvidia")
NOT_OWN = ("net", "task")  # /proc/self/net lists the machine's sockets; task holds other threads


def confine_files(readable: list[str], writable: list[str]) -> bool:
    """Restrict this process and all it starts to reading `readable` and its own /proc entries,
    and writing beneath `writable`. False where the kernel has no Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(LANDLOCK_CREATE, None, 0, 1)  # 1: LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return False
    handled = (1 << 13) - 1 | ((1 << 13) if abi >= 2 else 0) | ((1 << 14) if abi >= 3 else 0)
    attributes = ctypes.c_uint64(handled)
    ruleset = libc.syscall(LANDLOCK_CREATE, ctypes.byref(attributes), 8, 0)
    if ruleset < 0:
        return False
    for path in readable:
        allow(libc, ruleset, path, READ)
    for path in [*PROC, *own_proc()]:
        allow(libc, ruleset, path, READ, keep_open=True)
    for path in [*DEVICES, *(str(device) for device in sorted(Path("/dev").glob("nvidia*")))]:
        allow(libc, ruleset, path, READ_FILE | WRITE_FILE)
    for path in writable:
        allow(libc, ruleset, path, handled)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    restricted = libc.syscall(LANDLOCK_RESTRICT, ruleset, 0) == 0
    os.close(ruleset)
    return restricted


def own_proc() -> list[str]:
    """The entries of this process's /proc folder and of its one thread's (a forked child has
    one), but for those that show more than itself: never /proc whole, whose other entries
    show every process's command line (the grader's: `--hidden --seed N`)."""
    own = f"/proc/{os.getpid()}"
    folders = [own, f"{own}/task/{os.getpid()}"]
    entries = (os.path.join(folder, name) for folder in folders for name in sorted(os.listdir(folder)))
    # Not the links (root, cwd, exe): a grant follows them, and root leads to "/" whole.
    return [entry for entry in entries if os.path.basename(entry) not in NOT_OWN and not os.path.islink(entry)]


def allow(libc: ctypes.CDLL, ruleset: int, path: str, access: int, keep_open: bool = False) -> None:
    """Grant `access` beneath `path`. A rule holds the file's inode, and /proc makes a new
    inode each time it looks a name up afresh (after the kernel drops its cached entry, under
    memory pressure): for /proc, the path stays open for the child's life, so the cached entry,
    and with it the grant, stays."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= FILE_RIGHTS
        rule = struct.pack("=Qi", access, fd)  # struct landlock_path_beneath_attr, packed
        libc.syscall(LANDLOCK_ADD_RULE, ruleset, 1, rule, 0)  # 1: LANDLOCK_RULE_PATH_BENEATH
    finally:
        if not keep_open:
            os.close(fd)


def readable_paths(kit_root: str) -> list[str]:
    """The system's folders, the interpreter and its packages, without the kit itself: of the
    kit, only the grader's sandbox package, which the child runs (never the reference, the
    lesson or a .git). A copy of the kit installed in a site-packages (tox installs it so) is
    left out too, and since Landlock grants a folder whole, so is every folder on the way to
    a copy (a venv's root, /opt): of those, the other entries are granted."""
    root = os.path.realpath(kit_root)  # the checkout, or the site-packages the kit is installed in
    hidden = [*([] if os.path.basename(root) in SITE_FOLDERS else [root]), *kit_copies()]
    found = [readable for path in sorted({*SYSTEM, *interpreter_folders()}) for readable in beside(path, hidden)]
    grader = os.path.join(kit_root, "grader")
    return [*found, *ETC, os.path.join(grader, "__init__.py"), os.path.join(grader, "sandbox")]


def interpreter_folders() -> list[str]:
    """sys.prefix, sys.base_prefix and the site-packages folders on sys.path; not every entry
    of sys.path: `python -m` puts the grader's working folder first, which may hold a class's
    submissions and grades (bubblewrap's view leaves it out too)."""
    return [sys.prefix, sys.base_prefix, *(path for path in python_paths() if os.path.basename(path) in SITE_FOLDERS)]


def beside(path: str, hidden: list[str]) -> list[str]:
    """`path`, or where a hidden folder is inside it, its other entries (links followed)."""
    real = os.path.realpath(path)
    if real in hidden:
        return []
    if not any(folder.startswith(real + os.sep) for folder in hidden):
        return [path]
    return [readable for name in sorted(os.listdir(path)) for readable in beside(os.path.join(path, name), hidden)]
