"""A seccomp deny-list for the sandbox, assembled as classic BPF for `bwrap --seccomp FD`.

Learner code never needs to mount, make namespaces, trace, load modules or keys, or use BPF;
these calls fail with EPERM. `clone` with any CLONE_NEW* flag fails too (a nested user
namespace is how an unprivileged process gets capabilities back); `clone3` gets ENOSYS, so libc
and Go fall back to `clone`, whose flags the filter can see. A foreign ABI (x32, i386 through
int 0x80) kills the process. Only x86_64 has a table here; elsewhere no filter is installed and
`seccomp_supported()` says so.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
CLONE_NEW_FLAGS = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
    | 0x00000080  # CLONE_NEWTIME
)

# x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
DENIED_X86_64: dict[str, int] = {
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272,
    "setns": 308, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "pidfd_getfd": 438, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
    "perf_event_open": 298, "kexec_load": 246, "kexec_file_load": 320, "init_module": 175,
    "finit_module": 313, "delete_module": 176, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "userfaultfd": 323, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "swapon": 167, "swapoff": 168, "reboot": 169, "syslog": 103, "acct": 163, "quotactl": 179,
    "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
    "iopl": 172, "ioperm": 173, "lookup_dcookie": 212, "vhangup": 153, "uselib": 134,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}  # fmt: skip
CLONE_X86_64 = 56
CLONE3_X86_64 = 435

_LD_ABS_W = 0x20
_JEQ = 0x15
_JGE = 0x35
_JSET = 0x45
_RET = 0x06
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def seccomp_supported() -> bool:
    """True where this module has the syscall table of the running architecture."""
    return platform.machine() in ("x86_64", "amd64")


def deny_list_program() -> bytes:
    """The BPF program (an array of struct sock_filter) bwrap installs before exec."""
    eperm = RET_ERRNO | errno.EPERM
    prog = [
        _insn(_LD_ABS_W, 0, 0, 4),  # seccomp_data.arch
        _insn(_JEQ, 1, 0, AUDIT_ARCH_X86_64),
        _insn(_RET, 0, 0, RET_KILL_PROCESS),
        _insn(_LD_ABS_W, 0, 0, 0),  # seccomp_data.nr
        _insn(_JGE, 0, 1, X32_SYSCALL_BIT),
        _insn(_RET, 0, 0, eperm),
        _insn(_JEQ, 0, 4, CLONE_X86_64),
        _insn(_LD_ABS_W, 0, 0, 16),  # low 32 bits of args[0]: the clone flags
        _insn(_JSET, 0, 1, CLONE_NEW_FLAGS),
        _insn(_RET, 0, 0, eperm),
        _insn(_RET, 0, 0, RET_ALLOW),
        _insn(_JEQ, 0, 1, CLONE3_X86_64),
        _insn(_RET, 0, 0, RET_ERRNO | errno.ENOSYS),
    ]
    numbers = sorted(set(DENIED_X86_64.values()))
    for index, number in enumerate(numbers):
        prog.append(_insn(_JEQ, len(numbers) - index, 0, number))  # → the final EPERM
    prog += [_insn(_RET, 0, 0, RET_ALLOW), _insn(_RET, 0, 0, eperm)]
    return b"".join(prog)


def program_fd() -> int:
    """A fresh memfd holding the program, positioned at its start (bwrap reads it to EOF)."""
    fd = os.memfd_create("gocoach-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, deny_list_program())
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd
