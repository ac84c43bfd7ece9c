"""Pages for curricula: the list, a roadmap tree, status/note changes, import and export."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.export import export_markdown
from gocoach.curricula.progress import RollUp, roll_up, set_status, statuses
from gocoach.curricula.roadmaps import get_roadmap, import_document, list_roadmaps, load_nodes
from gocoach.practice.exercises import exercises_for_item, load_catalogue
from gocoach.questions.links import questions_for_item
from gocoach.questions.views import ModuleName, module_names, track_question_count
from gocoach.startup import utc_now
from gocoach.store.tables import Node, Progress, Roadmap
from gocoach.web.deps import ContentEditor, CurrentUser, PageDep, SessionDep
from gocoach.web.pagecache import cache_key, cached_page, progress_print

router = APIRouter()
QUESTIONS_STAT = "Вопросов"
UPLOAD_CHUNK = 1 << 16


@dataclass
class TreeNode:
    """A node of the rendered tree, with its roll-up and the user's progress."""

    node: Node
    rollup: RollUp | None
    progress: Progress | None
    children: list[TreeNode] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The item's status (todo when never touched)."""
        return self.progress.status if self.progress else "todo"


def build_tree(
    nodes: list[Node],
    progress: dict[str, Progress],
    rollups: dict[str | None, RollUp],
    *,
    show_all: bool,
) -> list[TreeNode]:
    """Nest the flat, ordered nodes; reference bullets are left out unless `show_all`, and so
    are headings left with nothing under them and no text (at any depth)."""
    top: list[TreeNode] = []
    by_key: dict[str, TreeNode] = {}
    for node in nodes:
        if node.kind == "item" and not (node.trackable or show_all):
            continue
        view = TreeNode(node=node, rollup=rollups.get(node.key), progress=progress.get(node.key))
        by_key[node.key] = view
        parent = by_key.get(node.parent_key or "")
        (parent.children if parent else top).append(view)
    return _prune(top)


def _prune(views: list[TreeNode]) -> list[TreeNode]:
    """The views without empty headings, deepest first (a heading whose only children were
    empty headings is empty too)."""
    kept = []
    for view in views:
        view.children = _prune(view.children)
        if view.node.kind == "item" or _has_content(view):
            kept.append(view)
    return kept


def subtree_nodes(nodes: list[Node], key: str) -> list[Node]:
    """The nodes below heading `key`, in document order."""
    keep = {key}
    found = []
    for node in nodes:
        if node.parent_key in keep:
            keep.add(node.key)
            found.append(node)
    return found


def _has_content(view: TreeNode) -> bool:
    return bool(view.children) or bool(view.node.body)


def _stats(roadmap: Roadmap, session: Session | None = None) -> dict[str, str]:
    stats = dict(roadmap.meta.get("stats") or {})
    count = track_question_count(session, roadmap.slug) if session is not None else None
    if count is not None and QUESTIONS_STAT in stats:
        stats[QUESTIONS_STAT] = str(count)  # the loaded bank's real count, not the index's "~130"
    return stats


@router.get("/roadmaps")
def list_roadmaps_page(session: SessionDep, user: CurrentUser, page: PageDep) -> Response:
    """All roadmaps with progress bars."""
    rows = []
    for roadmap in list_roadmaps(session):
        total = roll_up(load_nodes(session, roadmap), statuses(session, user, roadmap)).get(
            None, RollUp()
        )
        rows.append((roadmap, total, _stats(roadmap, session)))
    return page.render("roadmaps.html", rows=rows)


@router.get("/roadmaps/{slug}")
def read_roadmap(
    slug: str, session: SessionDep, user: CurrentUser, page: PageDep, all: bool = False
) -> Response:
    """One roadmap as a collapsible tree (reused while nothing it shows has changed)."""
    roadmap = get_roadmap(session, slug)
    progress = statuses(session, user, roadmap)
    stats = _stats(roadmap, session)
    modules = _modules(session, roadmap)
    key = cache_key(page.request, page.lang, (
        "roadmap", user.id, roadmap.id, str(roadmap.imported_at), roadmap.source_sha256,
        roadmap.title, all, progress_print(progress), tuple(sorted(stats.items())),
        tuple((slug, m.title) for slug, m in modules.items())))

    def build() -> Response:
        nodes = load_nodes(session, roadmap)
        rollups = roll_up(nodes, progress)
        tree = build_tree(nodes, progress, rollups, show_all=all)
        return page.render("roadmap.html", roadmap=roadmap, tree=tree,
                           total=rollups.get(None, RollUp()), stats=stats, show_all=all,
                           modules=modules)

    return cached_page(page.request, key, build)


@router.post("/roadmaps/{slug}/items/{key}")
def update_item(
    slug: str,
    key: str,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status: Annotated[str | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
    evidence: Annotated[str | None, Form()] = None,
) -> Response:
    """Change an item's status or note; returns the item and the updated progress bars."""
    roadmap = get_roadmap(session, slug)
    links = [line.strip() for line in (evidence or "").splitlines() if line.strip()]
    row = set_status(
        session,
        user=user,
        roadmap=roadmap,
        key=key,
        status=status,
        note=note,
        evidence=links,
        now=utc_now(),
        source="web",
    )
    nodes = load_nodes(session, roadmap)
    rollups = roll_up(nodes, statuses(session, user, roadmap))
    node = next(n for n in nodes if n.key == key)
    ancestors = _ancestors(nodes, node)
    view = TreeNode(node=node, rollup=None, progress=row)
    return page.render(
        "_item_update.html",
        roadmap=roadmap,
        item=view,
        saved=note is not None or evidence is not None,
        total=rollups.get(None, RollUp()),
        bars=[(a.key, rollups.get(a.key, RollUp())) for a in ancestors],
        modules=_modules(session, roadmap),
    )


@router.get("/roadmaps/{slug}/branch/{key}")
def read_branch(
    slug: str, key: str, session: SessionDep, user: CurrentUser, page: PageDep, all: bool = False
) -> Response:
    """The full subtree under one heading (loaded when the heading is first expanded)."""
    roadmap = get_roadmap(session, slug)
    nodes = load_nodes(session, roadmap)
    progress = statuses(session, user, roadmap)
    rollups = roll_up(nodes, progress)
    if not any(n.key == key and n.kind != "item" for n in nodes):
        raise LookupError(f"no heading '{key}' in roadmap '{slug}'")
    children = build_tree(subtree_nodes(nodes, key), progress, rollups, show_all=all)
    return page.render("_branch.html", roadmap=roadmap, children=children,
                       modules=_modules(session, roadmap))


def _modules(session: Session, roadmap: Roadmap) -> dict[str, ModuleName]:
    """A question track's modules by folder name, to show its items by the modules' titles."""
    return module_names(session) if roadmap.kind == "track" else {}


@router.get("/roadmaps/{slug}/items/{key}/details")
def read_item_details(
    slug: str, key: str, session: SessionDep, user: CurrentUser, page: PageDep
) -> Response:
    """An item's details and its note/evidence form (loaded when the item is expanded)."""
    roadmap = get_roadmap(session, slug)
    node = next((n for n in load_nodes(session, roadmap) if n.key == key), None)
    if node is None:
        raise LookupError(f"no item '{key}' in roadmap '{slug}'")
    view = TreeNode(node=node, rollup=None, progress=statuses(session, user, roadmap).get(key))
    return page.render("_item_details.html", roadmap=roadmap, item=view,
                       questions=questions_for_item(session, node),
                       exercises=exercises_for_item(load_catalogue(page.settings.content_dir),
                                                    node.title))


def _ancestors(nodes: list[Node], node: Node) -> list[Node]:
    by_key = {n.key: n for n in nodes}
    chain = []
    key = node.parent_key
    while key and key in by_key:
        chain.append(by_key[key])
        key = by_key[key].parent_key
    return chain


@router.get("/roadmaps/{slug}/export.md")
def export_roadmap(slug: str, session: SessionDep, user: CurrentUser) -> Response:
    """The roadmap as Markdown with the user's checkboxes."""
    roadmap = get_roadmap(session, slug)
    text = export_markdown(roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap))
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug}.md"'},
    )


@router.get("/import")
def import_form(page: PageDep, editor: ContentEditor) -> Response:
    """The upload form."""
    return page.render("import.html")


@router.post("/import")
async def create_import(
    request: Request,
    session: SessionDep,
    user: ContentEditor,
    page: PageDep,
    file: UploadFile,
    slug: Annotated[str, Form()] = "",
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    """Import an uploaded roadmap in one transaction; bad files get a 4xx with the reason."""
    limit = page.settings.max_import_bytes
    name = file.filename or "upload.md"
    data = await _read_limited(file, limit, name)
    # parsing and storing a big document takes seconds: off the event loop, so other
    # requests (and /healthz) are answered meanwhile
    report = await run_in_threadpool(
        functools.partial(import_document, session, data=data, name=name,
                          slug=slug.strip() or None, user=user, now=utc_now(), max_bytes=limit,
                          dry_run=dry_run))
    return page.render("import_result.html", report=report, **page.words.import_texts(report))


async def _read_limited(file: UploadFile, limit: int, name: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(UPLOAD_CHUNK):
        size += len(chunk)
        if size > limit:
            raise DocumentError(
                f"{name}: larger than the {limit / 1048576:.1f} MB limit (GOCOACH_MAX_IMPORT_BYTES)"
            )
        chunks.append(chunk)
    return b"".join(chunks)
