"""Study plans: roadmaps on the calendar, the week's items, pace against the plan, re-planning.

Making a plan lays each roadmap out (plan_layout) and maps its weeks onto the calendar
(plan_calendar), one roadmap after another. Everything that reads the plan works on a
`PlanState`, loaded once; the functions that judge it take `today` as an argument.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gocoach.plans.calendar import PlanCalendar, local_date
from gocoach.plans.layout import UNSCHEDULED_KINDS, lay_out
from gocoach.store.tables import (
    Node,
    Plan,
    PlanItem,
    PlanRoadmap,
    Progress,
    ProgressEvent,
    Roadmap,
    User,
)

DEFAULT_HOURS_PER_WEEK = 10.0
CLOSED = frozenset({"done", "skipped"})
NO_PLAN = "no plan yet; make one with `gocoach plan create ROADMAP --start YYYY-MM-DD`"


@dataclass(frozen=True)
class PlannedItem:
    """An item on the plan, with the learner's status."""

    roadmap_id: int
    roadmap_slug: str
    key: str
    title: str
    item_kind: str | None
    doc_week: int
    baseline_week: int
    week: int
    position: int
    status: str = "todo"
    closed_on: date | None = None
    evidence: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        """Done or skipped: nothing left to do."""
        return self.status in CLOSED


@dataclass(frozen=True)
class PlanWeek:
    """One calendar week of the plan."""

    number: int
    start: date
    end: date
    off: bool
    budget_hours: float
    items: tuple[PlannedItem, ...]

    @property
    def closed(self) -> int:
        """Items of the week that are done or skipped."""
        return sum(1 for i in self.items if i.closed)


@dataclass
class PlanState:
    """A plan with its calendar, roadmaps and items, ready for the pure functions."""

    plan: Plan
    calendar: PlanCalendar
    roadmaps: list[Roadmap]
    items: list[PlannedItem]
    nodes: dict[int, list[Node]] = field(default_factory=dict)
    checks: list[PlannedItem] = field(default_factory=list)

    @property
    def hours(self) -> float:
        """The weekly budget in hours."""
        return self.plan.hours_per_week

    @property
    def last_week(self) -> int:
        """The plan's last week with work in it."""
        return max((i.week for i in self.items), default=1)

    @property
    def end_date(self) -> date:
        """The last day of the plan."""
        return self.calendar.week_end(self.last_week)

    def week(self, number: int) -> PlanWeek:
        """The view of one week."""
        return PlanWeek(number=number, start=self.calendar.week_start(number),
                        end=self.calendar.week_end(number), off=self.calendar.is_off(number),
                        budget_hours=self.calendar.budget(number, self.hours),
                        items=tuple(i for i in self.items if i.week == number))

    def weeks(self) -> list[PlanWeek]:
        """Every week from the first to the last."""
        return [self.week(n) for n in range(1, self.last_week + 1)]

    def item_hours(self, item: PlannedItem) -> float:
        """The share of its week's budget one item stands for."""
        count = sum(1 for i in self.items if i.week == item.week)
        budget = self.calendar.budget(item.week, self.hours) or self.hours
        return budget / max(1, count)


def hours_from_roadmaps(roadmaps: Sequence[Roadmap]) -> float:
    """The weekly hours the first roadmap that states them asks for (middle of the range)."""
    for roadmap in roadmaps:
        stated = roadmap.meta.get("hours_per_week")
        if stated:
            return (float(stated["min"]) + float(stated["max"])) / 2
    return DEFAULT_HOURS_PER_WEEK


def create_plan(
    session: Session,
    *,
    user: User,
    roadmaps: Sequence[Roadmap],
    start: date,
    now: datetime,
    hours_per_week: float | None = None,
    off: Sequence[tuple[date, date]] = (),
    title: str = "",
) -> Plan:
    """Lay the roadmaps one after another on weeks from `start`; the new plan is the active one."""
    if not roadmaps:
        raise ValueError("name at least one roadmap for the plan (see `gocoach roadmaps`)")
    if len({r.id for r in roadmaps}) != len(roadmaps):
        raise ValueError("a roadmap is named twice; name each roadmap once")
    hours = hours_per_week if hours_per_week is not None else hours_from_roadmaps(roadmaps)
    if not 0 < hours <= 100:
        raise ValueError(f"hours per week must be between 1 and 100, not {hours:g}")
    layouts = []
    for roadmap in roadmaps:
        layout = lay_out(_nodes(session, roadmap))
        if not layout.slots:
            raise ValueError(f"roadmap '{roadmap.slug}' has no items to put on a calendar")
        layouts.append(layout)
    session.execute(update(Plan).where(Plan.user_id == user.id, Plan.active).values(active=False))
    plan = Plan(user_id=user.id, title=title or " + ".join(r.title for r in roadmaps),
                start_date=start, hours_per_week=hours, active=True, meta={"replans": []},
                off_ranges=[[a.isoformat(), b.isoformat()] for a, b in sorted(off)],
                created_at=now, updated_at=now)
    session.add(plan)
    session.flush()
    calendar = PlanCalendar(start, tuple(sorted(off)))
    weeks = calendar.study_weeks(sum(layout.weeks for layout in layouts))
    offset = position = 0
    for order, (roadmap, layout) in enumerate(zip(roadmaps, layouts, strict=True)):
        session.add(PlanRoadmap(user_id=user.id, plan_id=plan.id, roadmap_id=roadmap.id,
                                position=order, mode=layout.mode, weeks=layout.weeks))
        for slot in layout.slots:
            week = weeks[offset + slot.doc_week - 1]
            session.add(PlanItem(user_id=user.id, plan_id=plan.id, roadmap_id=roadmap.id,
                                 node_key=slot.key, doc_week=slot.doc_week, baseline_week=week,
                                 week=week, position=position))
            position += 1
        offset += layout.weeks
    session.flush()
    return plan


def _nodes(session: Session, roadmap: Roadmap) -> list[Node]:
    return list(session.scalars(
        select(Node).where(Node.roadmap_id == roadmap.id).order_by(Node.position)))


def active_plan(session: Session, user: User) -> Plan | None:
    """The user's active plan, if any."""
    return session.scalars(select(Plan).where(Plan.user_id == user.id, Plan.active)
                           .order_by(Plan.id.desc())).first()


def require_plan(session: Session, user: User) -> Plan:
    """The active plan, or a LookupError that says how to make one."""
    plan = active_plan(session, user)
    if plan is None:
        raise LookupError(NO_PLAN)
    return plan


def load_plan(session: Session, user: User, plan: Plan) -> PlanState:
    """The plan with its items, titles and the user's statuses (and its milestone checks)."""
    links = session.scalars(select(PlanRoadmap).where(PlanRoadmap.plan_id == plan.id)
                            .order_by(PlanRoadmap.position)).all()
    roadmaps = [session.get_one(Roadmap, link.roadmap_id) for link in links]
    nodes = {r.id: _nodes(session, r) for r in roadmaps}
    slugs = {r.id: r.slug for r in roadmaps}
    progress = {(p.roadmap_id, p.node_key): p for p in session.scalars(select(Progress).where(
        Progress.user_id == user.id, Progress.roadmap_id.in_(slugs)))}
    closed_on = _closed_dates(session, user, list(slugs))
    by_node = {(rid, n.key): n for rid, ns in nodes.items() for n in ns}

    def planned(rid: int, key: str, weeks: tuple[int, int, int], position: int) -> PlannedItem:
        node, row = by_node.get((rid, key)), progress.get((rid, key))
        status = row.status if row else "todo"
        return PlannedItem(
            roadmap_id=rid, roadmap_slug=slugs[rid], key=key,
            title=node.title if node else f"{key} (no longer in the roadmap)",
            item_kind=node.item_kind if node else None, doc_week=weeks[0],
            baseline_week=weeks[1], week=weeks[2], position=position, status=status,
            evidence=tuple(row.evidence) if row else (),
            closed_on=closed_on.get((rid, key)) if status in CLOSED else None)

    items = [planned(r.roadmap_id, r.node_key, (r.doc_week, r.baseline_week, r.week), r.position)
             for r in session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id)
                                      .order_by(PlanItem.position))]
    checks = [planned(rid, n.key, (0, 0, 0), n.position) for rid, ns in nodes.items()
              for n in ns if n.kind == "item" and n.trackable and n.item_kind in UNSCHEDULED_KINDS]
    calendar = PlanCalendar.from_strings(plan.start_date, plan.off_ranges)
    return PlanState(plan=plan, calendar=calendar, roadmaps=roadmaps, items=items, nodes=nodes,
                     checks=checks)


def _closed_dates(session: Session, user: User, roadmap_ids: list[int]
                  ) -> dict[tuple[int, str], date]:
    """When each item last became done or skipped."""
    found: dict[tuple[int, str], date] = {}
    for event in session.scalars(select(ProgressEvent).where(
            ProgressEvent.user_id == user.id, ProgressEvent.roadmap_id.in_(roadmap_ids),
            ProgressEvent.status.in_(CLOSED)).order_by(ProgressEvent.at, ProgressEvent.id)):
        if event.previous_status not in CLOSED:
            found[(event.roadmap_id, event.node_key)] = local_date(event.at)
    return found


@dataclass(frozen=True)
class Pace:
    """Where the learner stands against the plan on a day."""

    today: date
    week: int
    expected_items: int
    closed_items: int
    total_items: int
    budget_hours: float
    logged_hours: float
    slack_items: int

    @property
    def items_delta(self) -> int:
        """Items ahead (positive) or behind (negative) of the plan."""
        return self.closed_items - self.expected_items

    @property
    def hours_delta(self) -> float:
        """Hours logged beyond (positive) or short of (negative) the budget so far."""
        return round(self.logged_hours - self.budget_hours, 2)

    @property
    def status(self) -> str:
        """not_started, ahead, on_track, behind or finished."""
        if self.closed_items >= self.total_items:
            return "finished"
        if self.week < 1:
            return "not_started"
        if self.items_delta > self.slack_items:
            return "ahead"
        if self.items_delta < -self.slack_items:
            return "behind"
        return "on_track"


def measure_pace(state: PlanState, today: date, logged_hours: float) -> Pace:
    """Closed items against the items due by today (the current week pro rata), and hours."""
    week = state.calendar.week_of(today)
    elapsed = min(7, max(0, (today - state.calendar.week_start(week)).days + 1)) if week >= 1 else 0
    expected = 0
    budget = 0.0
    for number in range(1, max(0, min(week, state.last_week + 1))):
        expected += sum(1 for i in state.items if i.week == number)
        budget += state.calendar.budget(number, state.hours)
    current = sum(1 for i in state.items if i.week == week) if week >= 1 else 0
    if 1 <= week <= state.last_week:
        expected += current * elapsed // 7
        budget += state.calendar.budget(week, state.hours) * elapsed / 7
    return Pace(today=today, week=week, expected_items=expected,
                closed_items=sum(1 for i in state.items if i.closed),
                total_items=len(state.items), budget_hours=round(budget, 2),
                logged_hours=round(logged_hours, 2), slack_items=max(1, math.ceil(current / 7)))


def late_items(state: PlanState, today: date) -> list[PlannedItem]:
    """Open items planned for weeks that have ended."""
    week = state.calendar.week_of(today)
    return [i for i in state.items if not i.closed and i.week < week]


@dataclass(frozen=True)
class Move:
    """An item that a re-plan moves to another week."""

    item: PlannedItem
    new_week: int


@dataclass(frozen=True)
class Replan:
    """What a re-plan would do: the shift, the moves and the end dates before and after."""

    shift_weeks: int
    late: int
    moves: tuple[Move, ...]
    old_end: date
    new_end: date

    @property
    def needed(self) -> bool:
        """False when nothing is late."""
        return bool(self.moves)


def preview_replan(state: PlanState, today: date) -> Replan:
    """Late items take the next weeks from today, in order; the weeks after them shift on."""
    late = late_items(state, today)
    if not late:
        return Replan(0, 0, (), state.end_date, state.end_date)
    load = sum(state.item_hours(i) for i in late)
    shift = max(1, math.ceil(load / state.hours - 1e-9))
    current = state.calendar.week_of(today)
    targets = state.calendar.study_weeks(shift, first=current)
    moves = [Move(item, targets[slot - 1])
             for item, slot in zip(late, _fill(len(late), shift), strict=True)]
    pending = [i for i in state.items if not i.closed and i.week >= current]
    moves += [Move(i, state.calendar.advance(i.week, shift)) for i in pending]
    moves = [m for m in moves if m.new_week != m.item.week]
    new_weeks = {(m.item.roadmap_id, m.item.key): m.new_week for m in moves}
    last = max(new_weeks.get((i.roadmap_id, i.key), i.week) for i in state.items)
    return Replan(shift_weeks=shift, late=len(late), moves=tuple(moves), old_end=state.end_date,
                  new_end=state.calendar.week_end(last))


def _fill(count: int, weeks: int) -> list[int]:
    return [1 + i * weeks // count for i in range(count)]


def apply_replan(session: Session, state: PlanState, replan: Replan, *, now: datetime) -> int:
    """Write the moves of a previewed re-plan; returns how many items moved."""
    for move in replan.moves:
        session.execute(update(PlanItem).where(
            PlanItem.plan_id == state.plan.id, PlanItem.roadmap_id == move.item.roadmap_id,
            PlanItem.node_key == move.item.key).values(week=move.new_week))
    history = list(state.plan.meta.get("replans", []))
    history.append({"at": now.isoformat(), "shift_weeks": replan.shift_weeks,
                    "moved": len(replan.moves), "old_end": replan.old_end.isoformat(),
                    "new_end": replan.new_end.isoformat()})
    state.plan.meta = {**state.plan.meta, "replans": history}
    state.plan.updated_at = now
    session.flush()
    return len(replan.moves)
