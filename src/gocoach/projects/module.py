"""The learner's Go module: which files of a folder or an upload are taken, and which refused.

A project is a whole module (go.mod at its root, packages below, maybe vendor/), so files keep
their relative paths. Sizes are checked before anything is read whole; symbolic links, paths
out of the module and cgo are refused; compiled binaries, dot-folders and oversized files are
left out and named in the report.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gocoach.practice.grading.gosource import GoSyntaxError, imports, tokenize
from gocoach.store.refusals import Refusal

MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024 * 1024
MAX_FILES = 2000
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
MARKER = ".gocoach-project"


class ModuleRejected(Refusal):
    """The module cannot be tested; the message (its catalog key `code`) says why and what to
    do."""


@dataclass(frozen=True)
class Module:
    """Relative path → content of the files taken, and the names left out (with why)."""

    files: dict[str, bytes]
    ignored: tuple[str, ...] = ()


def read_module(directory: Path) -> Module:
    """Read a module folder (the learner's working copy), leaving out what is not source."""
    if not directory.is_dir():
        raise ModuleRejected("pj.mod.no_folder", f"{directory}: no such folder",
                             path=str(directory))
    files: dict[str, bytes] = {}
    ignored: list[str] = []
    total = 0
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in rel.parts):
            continue
        if path.is_symlink():
            raise ModuleRejected("pj.mod.symlink",
                                 f"{rel}: is a symbolic link; copy the file instead",
                                 name=str(rel))
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            raise ModuleRejected("pj.mod.not_regular", f"{rel}: not a regular file", name=str(rel))
        if info.st_size > MAX_FILE_BYTES:
            ignored.append(f"{rel} ({info.st_size // 1024} KiB: larger than "
                           f"{MAX_FILE_BYTES // 1024} KiB)")
            continue
        data = path.read_bytes()
        if data[:4] == b"\x7fELF":
            ignored.append(f"{rel} (a compiled program)")
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES or len(files) >= MAX_FILES:
            raise ModuleRejected(
                "pj.mod.folder_too_big", f"{directory}: more than {MAX_TOTAL_BYTES // 1024 // 1024}"
                f" MiB or {MAX_FILES} files; is this the module folder?", path=str(directory),
                mib=MAX_TOTAL_BYTES // 1024 // 1024, files=MAX_FILES)
        files[rel.as_posix()] = data
    return accept_module(files, ignored=tuple(ignored))


def accept_module(files: Mapping[str, bytes], *, ignored: tuple[str, ...] = ()) -> Module:
    """Check paths, sizes, go.mod and cgo; test files are left out (the tester is black-box)."""
    if len(files) > MAX_FILES:
        raise ModuleRejected("pj.mod.too_many", f"more than {MAX_FILES} files", files=MAX_FILES)
    if sum(len(v) for v in files.values()) > MAX_TOTAL_BYTES:
        raise ModuleRejected("pj.mod.too_big",
                             f"more than {MAX_TOTAL_BYTES // 1024 // 1024} MiB of files",
                             mib=MAX_TOTAL_BYTES // 1024 // 1024)
    taken: dict[str, bytes] = {}
    left = list(ignored)
    for name, data in sorted(files.items()):
        path = _safe_path(name)
        if name.endswith("_test.go"):
            if path.parts[0] != "vendor":
                left.append(f"{name} (tests are not built)")
            continue
        if len(data) > MAX_FILE_BYTES:
            raise ModuleRejected("pj.mod.file_too_big",
                                 f"{name}: larger than {MAX_FILE_BYTES // 1024} KiB", name=name,
                                 kib=MAX_FILE_BYTES // 1024)
        if name.endswith(".go"):
            _refuse_cgo(name, data)
        taken[path.as_posix()] = data
    if "go.mod" not in taken:
        raise ModuleRejected("pj.mod.no_go_mod",
                             "no go.mod at the top of the module; test the folder that holds "
                             "go.mod (made by `gocoach project start`)")
    if not any(n.endswith(".go") for n in taken):
        raise ModuleRejected("pj.mod.no_go_files", "the module has no .go files")
    return Module(taken, tuple(left))


def _safe_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (not name or "\x00" in name or "\\" in name or path.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise ModuleRejected("pj.mod.bad_name",
                             f"file name «{name}»: must be a relative path inside the module",
                             name=name)
    return path


def _refuse_cgo(name: str, data: bytes) -> None:
    try:
        tokens = tokenize(data.decode("utf-8", errors="replace"))
    except GoSyntaxError:
        return  # the compiler will say what is wrong, with the line
    if any(spec.path == "C" for spec in imports(tokens)):
        raise ModuleRejected("pj.mod.cgo", f'{name} imports "C": cgo is not allowed in projects; '
                             "use the Go standard library only", name=name)


def write_module(module: Module, target: Path) -> None:
    """Write the files under `target` (created; nothing outside it is touched)."""
    for name, data in module.files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def unpack_archive(data: bytes) -> Module:
    """A module from an uploaded .zip or .tar.gz (one top folder is stripped)."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ModuleRejected(
            "pj.mod.archive_too_big",
            f"the archive is larger than {MAX_ARCHIVE_BYTES // 1024 // 1024} MiB",
            mib=MAX_ARCHIVE_BYTES // 1024 // 1024)
    if data[:2] == b"PK":
        files = _from_zip(data)
    elif data[:2] == b"\x1f\x8b" or data[257:262] == b"ustar":
        files = _from_tar(data)
    else:
        raise ModuleRejected("pj.mod.not_archive", "upload a .zip or .tar.gz of the module folder")
    return accept_module(_strip_top(files))


def _from_zip(data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or _hidden(info.filename):
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise ModuleRejected("pj.mod.symlink_in_archive",
                                         f"{info.filename}: symbolic links are not accepted",
                                         name=info.filename)
                total += info.file_size
                if info.file_size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                    raise ModuleRejected("pj.mod.unpacks_too_big",
                                         f"{info.filename}: the archive unpacks too large",
                                         name=info.filename)
                files[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
        raise ModuleRejected("pj.mod.bad_zip", f"the .zip cannot be read: {exc}",
                             detail=str(exc)) from None
    return files


def _from_tar(data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for member in archive:
                if member.isdir() or _hidden(member.name):
                    continue
                if not member.isfile():
                    raise ModuleRejected("pj.mod.not_regular",
                                         f"{member.name}: only regular files are accepted",
                                         name=member.name)
                total += member.size
                if member.size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                    raise ModuleRejected("pj.mod.unpacks_too_big",
                                         f"{member.name}: the archive unpacks too large",
                                         name=member.name)
                extracted = archive.extractfile(member)
                files[member.name] = extracted.read() if extracted is not None else b""
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ModuleRejected("pj.mod.bad_tar", f"the .tar.gz cannot be read: {exc}",
                             detail=str(exc)) from None
    return files


def _hidden(name: str) -> bool:
    return any((part.startswith(".") and part not in (".", "..")) or part in SKIPPED_DIRS
               for part in name.strip("/").split("/"))


def _strip_top(files: dict[str, bytes]) -> dict[str, bytes]:
    """`todo/go.mod`, `todo/main.go` → `go.mod`, `main.go` when everything is in one folder."""
    names = [n.removeprefix("./") for n in files]
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return {n.split("/", 1)[1]: data for n, data in zip(names, files.values(), strict=True)}
    return dict(zip(names, files.values(), strict=True))
