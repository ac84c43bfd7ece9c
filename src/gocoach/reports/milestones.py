"""Milestones of a plan, checked from the data, and the final success criteria as a checklist.

A roadmap's milestones are its own milestone items ("Неделя 7: Первый backend API", week 7);
without them, one per month, tier, stage or phase; without those, one at the end. A milestone
covers the items of the weeks up to it. It is reached when those items are done, the exercises
of those items are passed and their review cards are at retrievability ≥ 0.8 — the last two only
where drills and exercises provide data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gocoach.plans.calendar import local_date
from gocoach.plans.layout import week_ranges
from gocoach.plans.plan import PlannedItem, PlanState
from gocoach.reports.activity import RETRIEVABILITY_GOAL, ExerciseStats, ReviewStats
from gocoach.store.tables import Node

BLOCK_KINDS = ("month", "tier", "stage", "phase")
SHOWN_EVIDENCE = 8


@dataclass(frozen=True)
class Check:
    """One criterion of a milestone: what counts, how many meet it, and the evidence."""

    name: str
    met: int
    total: int
    available: bool = True
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Met when every counted thing is done (nothing to count also passes)."""
        return not self.available or self.met >= self.total

    @property
    def empty(self) -> bool:
        """Nothing to count yet (no exercise or card for these items): shown as such, neither
        a pass nor a gap, though it does not hold the milestone back."""
        return self.available and self.total == 0


@dataclass(frozen=True)
class Milestone:
    """A milestone of a plan with its checks, due date and the date it was reached."""

    roadmap_slug: str
    title: str
    doc_week: int
    due_week: int
    due_date: date
    checks: tuple[Check, ...]
    reached_on: date | None
    item_key: str | None = None

    @property
    def reached(self) -> bool:
        """True when every available check is met."""
        return self.reached_on is not None


@dataclass(frozen=True)
class MilestoneDef:
    """Where a milestone sits: its title and the last week of the roadmap it covers."""

    title: str
    doc_week: int
    item_key: str | None = None


def milestone_defs(nodes: list[Node], items: list[PlannedItem]) -> list[MilestoneDef]:
    """The roadmap's milestone items, else one per month/tier/stage/phase, else one at the end."""
    if not items:
        return []
    own = [n for n in nodes if n.item_kind == "milestone" and "week" in n.meta]
    if own:
        ranges = week_ranges(nodes)
        first = min((lo for lo, _ in ranges.values()), default=1)
        return [MilestoneDef(n.title, int(n.meta["week"]) - first + 1, n.key) for n in own]
    week_of = {i.key: i.doc_week for i in items}
    parents = {n.key: n.parent_key for n in nodes}
    for kind in BLOCK_KINDS:
        blocks = [n for n in nodes if n.kind == kind]
        found = [MilestoneDef(b.title, max(weeks)) for b in blocks
                 if (weeks := [w for k, w in week_of.items() if _under(k, b.key, parents)])]
        if found:
            return found
    return [MilestoneDef(items[0].roadmap_slug, max(week_of.values()))]


def _under(key: str, ancestor: str, parents: dict[str, str | None]) -> bool:
    current = parents.get(key)
    while current is not None:
        if current == ancestor:
            return True
        current = parents.get(current)
    return False


def check_milestones(state: PlanState, reviews: ReviewStats, exercises: ExerciseStats
                     ) -> list[Milestone]:
    """Every milestone of the plan, in order, checked against the data."""
    found: list[Milestone] = []
    for roadmap in state.roadmaps:
        items = [i for i in state.items if i.roadmap_id == roadmap.id]
        for definition in milestone_defs(state.nodes.get(roadmap.id, []), items):
            covered = [i for i in items if i.doc_week <= definition.doc_week]
            if definition.title == roadmap.slug and roadmap.title:  # the one at the end
                definition = MilestoneDef(roadmap.title, definition.doc_week, definition.item_key)
            if covered:
                found.append(_check(state, definition, covered, reviews, exercises))
    return sorted(found, key=lambda m: (m.due_week, m.doc_week))


def _check(state: PlanState, definition: MilestoneDef, covered: list[PlannedItem],
           reviews: ReviewStats, exercises: ExerciseStats) -> Milestone:
    keys = [i.key for i in covered]
    closed = [i for i in covered if i.closed]
    checks = [Check("items", len(closed), len(covered),
                    missing=tuple(i.title for i in covered if not i.closed)[:SHOWN_EVIDENCE])]
    linked = exercises.for_items(keys)
    passed = [e for e in linked if e.passed]
    checks.append(Check("exercises", len(passed), len(linked), available=exercises.available,
                        evidence=tuple(f"{e.title} {e.link}".strip() for e in passed),
                        missing=tuple(e.title for e in linked if not e.passed)))
    cards = reviews.cards_for(keys)
    strong = [r for r in cards if r >= RETRIEVABILITY_GOAL]
    checks.append(Check("cards", len(strong), len(cards), available=reviews.available))
    reached_on = None
    if all(c.ok for c in checks):
        dates = [i.closed_on for i in closed if i.closed_on is not None]
        dates += [local_date(e.passed_at) for e in passed if e.passed_at is not None]
        reached_on = max(dates, default=None)
    due_week = max(i.week for i in covered)
    return Milestone(roadmap_slug=covered[0].roadmap_slug, title=definition.title,
                     doc_week=definition.doc_week, due_week=due_week,
                     due_date=state.calendar.week_end(due_week), checks=tuple(checks),
                     reached_on=reached_on, item_key=definition.item_key)


def next_milestone(milestones: list[Milestone]) -> Milestone | None:
    """The first milestone not reached yet."""
    return next((m for m in milestones if not m.reached), None)


@dataclass(frozen=True)
class FinalCriterion:
    """One of the plan's final success criteria, with the learner's status and evidence."""

    roadmap_slug: str
    group: str
    title: str
    key: str
    status: str
    evidence: tuple[str, ...]
    closed_on: date | None


def final_criteria(state: PlanState) -> list[FinalCriterion]:
    """The criterion items of the plan's roadmaps ("Критерии успешного завершения")."""
    parents = {(rid, n.key): n for rid, nodes in state.nodes.items() for n in nodes}
    by_id = {r.id: r for r in state.roadmaps}
    found = []
    for check in state.checks:
        if check.item_kind != "criterion":
            continue
        node = parents.get((check.roadmap_id, check.key))
        parent = parents.get((check.roadmap_id, node.parent_key or "")) if node else None
        found.append(FinalCriterion(
            roadmap_slug=by_id[check.roadmap_id].slug, group=parent.title if parent else "",
            title=check.title, key=check.key, status=check.status, evidence=check.evidence,
            closed_on=check.closed_on))
    return found
