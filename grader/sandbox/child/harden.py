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
import socket
import stat
import struct
import sys

from grader.sandbox.child.kit import kit_copies, python_paths

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
    return os.geteuid() == 0 and capable and all(map(readable_by_anyone, python_paths()))


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
    """Refuse what reaches other processes, and IP sockets (the fallback has a network).
    False where libseccomp is not installed."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError):  # pyseccomp loads libseccomp.so with ctypes when imported
        return False
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    refuse = seccomp.ERRNO(errno.EPERM)
    for name in DENIED:
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
    for family in (socket.AF_INET, socket.AF_INET6):
        rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.EQ, family))
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
SYSTEM = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")


def confine_files(readable: list[str], writable: list[str]) -> bool:
    """Restrict this process and all it starts to reading `readable` (and the system's folders)
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
    for path in [*SYSTEM, *readable]:
        allow(libc, ruleset, path, READ)
    for path in DEVICES:
        allow(libc, ruleset, path, READ_FILE | WRITE_FILE)
    for path in writable:
        allow(libc, ruleset, path, handled)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    restricted = libc.syscall(LANDLOCK_RESTRICT, ruleset, 0) == 0
    os.close(ruleset)
    return restricted


def allow(libc: ctypes.CDLL, ruleset: int, path: str, access: int) -> None:
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
        os.close(fd)


def readable_paths(kit_root: str) -> list[str]:
    """The interpreter and its packages, without the kit itself: of the kit, only the grader's
    sandbox package, which the child runs (never the reference, the lesson or a .git). A
    copy of the kit installed in a site-packages (tox installs it so) is left out too, and
    since Landlock grants a folder whole, so is every folder on the way to it (a venv's
    root): of those, the other entries are granted."""
    hidden = [os.path.realpath(kit_root), *kit_copies()]
    found = [readable for path in {sys.prefix, sys.base_prefix, *python_paths()} for readable in beside(path, hidden)]
    grader = os.path.join(kit_root, "grader")
    return [*found, os.path.join(grader, "__init__.py"), os.path.join(grader, "sandbox")]


def beside(path: str, hidden: list[str]) -> list[str]:
    """`path`, or where a hidden folder is inside it, its other entries (links followed)."""
    real = os.path.realpath(path)
    if real in hidden:
        return []
    if not any(folder.startswith(real + os.sep) for folder in hidden):
        return [path]
    return [readable for name in sorted(os.listdir(path)) for readable in beside(os.path.join(path, name), hidden)]

