"""A roadmap.sh roadmap folder as one value: the bundle import reads and the roadmap keeps.

roadmap.sh keeps a roadmap as `<name>.json` (the graph) and `content/` (a Markdown file per
topic), beside `<name>.md` (front matter with its title and description). A folder, its JSON file
with `content/` beside it and a `.zip` of the folder all become one *bundle*: JSON holding the
graph and the text of every content file. The bundle is what import parses and what the roadmap
stores as its source, so a backup restores it.

Folders and archives are read within limits, and refused as a whole otherwise: at most
SIZE_FACTOR × GOCOACH_MAX_IMPORT_BYTES in all, MAX_FILES files, each file within the import
limit; no member with an absolute or `..` path, no encrypted member; symlinks are never followed.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from gocoach.curricula.decoding import DecodedText, DocumentError, decode_document

BUNDLE_FORMAT = "gocoach-roadmapsh/1"
SIZE_FACTOR = 4  # a folder or archive may unpack to this many times GOCOACH_MAX_IMPORT_BYTES
MAX_FILES = 5000
ZIP_MAGIC = b"PK\x03\x04"
# A file's path under content/, its size, and how to read it (None: a link, never read).
ContentFile = tuple[str, int, Callable[[], bytes] | None]


@dataclass
class Bundle:
    """A roadmap.sh folder in one value: the graph, and the content files' text by path."""

    name: str
    roadmap: Any
    content: dict[str, str] = field(default_factory=dict)
    page: str = ""  # <name>.md: front matter with the roadmap's title and description
    has_content: bool = True
    notes: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        """The bundle as JSON, the form import reads and the roadmap keeps as its source."""
        value = {
            "format": BUNDLE_FORMAT,
            "name": self.name,
            "roadmap": self.roadmap,
            "content": dict(sorted(self.content.items())),  # the same text from a zip or a folder
            "page": self.page,
            "has_content": self.has_content,
            "notes": self.notes,
        }
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def pack_folder(path: Path, *, max_bytes: int) -> bytes:
    """A roadmap.sh folder — or its JSON file, with `content/` beside it — as bundle bytes."""
    if path.is_dir():
        root = path
        candidates = [p.name for p in sorted(root.glob("*.json")) if _plain_file(p)]
        chosen = _pick_json(
            candidates,
            lambda n: _read_limited(root / n, max_bytes),
            stems=(root.resolve().name,),
            where=str(path),
        )
    elif _plain_file(path):
        root, chosen = path.parent, path.name
    else:
        raise DocumentError(f"{path}: no such file")
    raw = _read_limited(root / chosen, max_bytes)
    graph = _load_json(raw, name=str(root / chosen))
    if is_bundle(graph):
        return raw
    bundle = Bundle(name=PurePath(chosen).stem, roadmap=graph)
    content = root / "content"
    if content.is_dir() and not content.is_symlink():
        _pack_content(bundle, _walk_folder(content), max_bytes=max_bytes, where=str(path))
    elif path.is_dir():
        raise DocumentError(_no_content(str(path), chosen))
    else:
        bundle.has_content = False
    page = root / f"{bundle.name}.md"
    if _plain_file(page):
        bundle.page = _text(_read_limited(page, max_bytes), str(page)) or ""
    return bundle.to_bytes()


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _read_limited(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(_too_big(str(path), size, max_bytes))
    return path.read_bytes()


def _walk_folder(content: Path) -> Iterator[ContentFile]:
    """Every file under content/; symlinks (to files or folders) are counted, never followed."""
    for folder, dirs, files in os.walk(content, followlinks=False):
        dirs.sort()
        for link in [d for d in dirs if (Path(folder) / d).is_symlink()]:
            dirs.remove(link)
            yield "", -1, None
        for file_name in sorted(files):
            full = Path(folder) / file_name
            info = full.lstat()
            if not stat.S_ISREG(info.st_mode):
                yield "", -1, None  # a symlink or a device: counted, never read
                continue
            rel = full.relative_to(content).as_posix()
            yield rel, info.st_size, full.read_bytes


def bundle_from_zip(data: bytes, *, name: str, max_bytes: int) -> Bundle:
    """The roadmap folder inside a zip archive, refusing unsafe paths and oversized contents."""
    if len(data) > max_bytes:
        raise DocumentError(_too_big(name, len(data), max_bytes))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(f"{name}: not a readable zip archive ({exc})") from exc
    files = _check_members(members, name=name, max_bytes=max_bytes)
    candidates = [
        n for n in files if n.lower().endswith(".json") and "content" not in n.split("/")[:-1]
    ]
    chosen = _pick_json(
        candidates,
        lambda n: _unzip(archive, files[n], name, max_bytes),
        stems=(PurePath(name).stem,),
        where=name,
    )
    where = f"{name}:{chosen}"
    graph = _load_json(_unzip(archive, files[chosen], name, max_bytes), name=where)
    root = posixpath.dirname(chosen)
    prefix = f"{root}/content/" if root else "content/"
    bundle = Bundle(name=posixpath.splitext(posixpath.basename(chosen))[0], roadmap=graph)
    inside = [n for n in files if n.startswith(prefix)]
    if not inside:
        raise DocumentError(_no_content(name, chosen))
    entries = (
        (
            n[len(prefix) :],
            files[n].file_size,
            lambda n=n: _unzip(archive, files[n], name, max_bytes),
        )
        for n in inside
    )
    _pack_content(bundle, entries, max_bytes=max_bytes, where=name)
    page = posixpath.join(root, f"{bundle.name}.md")
    if page in files:
        bundle.page = _text(_unzip(archive, files[page], name, max_bytes), page) or ""
    return bundle


def _check_members(
    members: list[zipfile.ZipInfo], *, name: str, max_bytes: int
) -> dict[str, zipfile.ZipInfo]:
    """Regular files by path; the whole archive is refused for one unsafe member."""
    if len(members) > MAX_FILES:
        raise DocumentError(
            f"{name}: {len(members)} files in the archive; the limit is {MAX_FILES}"
        )
    total = sum(m.file_size for m in members)
    if total > SIZE_FACTOR * max_bytes:
        raise DocumentError(_too_big(name, total, SIZE_FACTOR * max_bytes, unpacked=True))
    files: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        path = member.filename.replace("\\", "/")
        parts = path.split("/")
        if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in parts:
            raise DocumentError(
                f"{name}: unsafe path in the archive: {member.filename!r} (absolute or with "
                "'..'); nothing was imported"
            )
        if member.flag_bits & 0x1:
            raise DocumentError(f"{name}: {member.filename} is encrypted; unpack it yourself")
        mode = member.external_attr >> 16
        if member.is_dir() or (mode and not stat.S_ISREG(mode)):
            continue  # folders, and symlinks stored as links
        files[path] = member
    return files


def _unzip(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, max_bytes: int) -> bytes:
    """A member's bytes, never more than the limit whatever its header claims."""
    try:
        with archive.open(member) as stream:
            data = stream.read(max_bytes + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise DocumentError(f"{name}: cannot unpack {member.filename} ({exc})") from exc
    if len(data) > max_bytes:
        raise DocumentError(_too_big(f"{name}:{member.filename}", len(data), max_bytes))
    return data


def _pick_json(
    candidates: list[str], read: Callable[[str], bytes], *, stems: tuple[str, ...], where: str
) -> str:
    """The roadmap's JSON among `candidates`: a graph or mockup, named after its folder (or
    the archive) when there are several."""
    shaped = [c for c in candidates if _looks_like_graph(read(c))]
    if not shaped:
        raise DocumentError(
            f'{where}: not a roadmap.sh roadmap — no NAME.json with "nodes" (or a legacy '
            '"mockup") found; import a Markdown file, or a roadmap.sh folder such as '
            "src/data/roadmaps/golang"
        )
    named = [c for c in shaped if PurePath(c).stem in (PurePath(c).parent.name, *stems)]
    best = named or shaped
    depth = min(c.count("/") for c in best)
    best = [c for c in best if c.count("/") == depth]
    if len(best) > 1:
        raise DocumentError(
            f"{where}: several roadmaps ({', '.join(best[:5])}); import one of them on its own "
            "(its JSON file, or a folder or archive holding only it)"
        )
    return best[0]


def _looks_like_graph(data: bytes) -> bool:
    return b'"nodes"' in data or b'"mockup"' in data or BUNDLE_FORMAT.encode() in data


def _pack_content(
    bundle: Bundle, entries: Iterator[ContentFile], *, max_bytes: int, where: str
) -> None:
    """Read the Markdown files under content/ into the bundle, within the limits."""
    total = count = skipped = repaired = 0
    for rel, size, read in entries:
        count += 1
        if count > MAX_FILES:
            raise DocumentError(f"{where}: more than {MAX_FILES} files under content/")
        if read is None:
            skipped += 1
            continue
        if not rel.lower().endswith(".md"):
            continue
        total += max(size, 0)
        if total > SIZE_FACTOR * max_bytes:
            raise DocumentError(_too_big(where, total, SIZE_FACTOR * max_bytes, unpacked=True))
        if size > max_bytes:
            raise DocumentError(_too_big(f"{where}: content/{rel}", size, max_bytes))
        decoded = _decoded(read(), f"content/{rel}")
        if decoded is None:
            skipped += 1
            continue
        repaired += bool(decoded.mojibake)
        bundle.content[rel] = decoded.text
    if skipped:
        bundle.notes.append(f"{skipped} files under content/ not read (links, binary or empty)")
    if repaired:
        bundle.notes.append(f"mojibake repaired in {repaired} content files")


def _decoded(data: bytes, name: str) -> DecodedText | None:
    try:
        return decode_document(data, name=name)
    except DocumentError:
        return None


def _text(data: bytes, name: str) -> str | None:
    decoded = _decoded(data, name)
    return decoded.text if decoded else None


def _load_json(data: bytes, *, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{name}: not UTF-8 JSON (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise DocumentError(f"{name}: JSON nested too deeply") from exc


def bundle_from_json(data: bytes, *, name: str, max_bytes: int) -> Bundle:
    """A bundle (as packed or stored), or a bare graph without its content files."""
    # JSON escaping can double the size of the packed text: a bundle gets twice the room.
    if len(data) > 2 * SIZE_FACTOR * max_bytes:
        raise DocumentError(_too_big(name, len(data), max_bytes))
    value = _load_json(data, name=name)
    if is_bundle(value):
        return _bundle_from_value(value, name=name)
    if len(data) > max_bytes:
        raise DocumentError(_too_big(name, len(data), max_bytes))
    return Bundle(name=PurePath(name.replace("\\", "/")).stem, roadmap=value, has_content=False)


def is_bundle(value: Any) -> bool:
    return isinstance(value, dict) and value.get("format") == BUNDLE_FORMAT


def _bundle_from_value(value: dict[str, Any], *, name: str) -> Bundle:
    content = value.get("content")
    notes = value.get("notes")
    return Bundle(
        name=str(value.get("name") or PurePath(name).stem),
        roadmap=value.get("roadmap"),
        content={
            k: v
            for k, v in (content.items() if isinstance(content, dict) else ())
            if isinstance(k, str) and isinstance(v, str)
        },
        page=value["page"] if isinstance(value.get("page"), str) else "",
        has_content=value.get("has_content") is not False,
        notes=[n for n in notes if isinstance(n, str)] if isinstance(notes, list) else [],
    )


def _too_big(name: str, size: int, limit: int, *, unpacked: bool = False) -> str:
    what = "unpacks to" if unpacked else "is"
    factor = f"{SIZE_FACTOR} × " if unpacked else ""
    return (
        f"{name}: {what} {size / 1048576:.1f} MB; the limit is {limit / 1048576:.1f} MB "
        f"({factor}GOCOACH_MAX_IMPORT_BYTES)"
    )


def _no_content(where: str, chosen: str) -> str:
    return (
        f"{where}: no content/ folder beside {chosen} — roadmap.sh keeps each topic's text "
        "there; take the whole roadmap folder (src/data/roadmaps/NAME)"
    )
