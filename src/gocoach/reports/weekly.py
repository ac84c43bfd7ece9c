"""Weekly reports: a draft in the plan's five sections, filled from the week's activity.

A draft is stored when a plan week ends (or when asked for); from then on the stored text is the
report — later changes of progress do not rewrite it. The learner edits it and exports it as
Markdown or prints it. Problems and solutions come from notes whose lines start with
"Проблема:" / "Problem:" and "Решение:" / "Solution:" (or carry #problem / #solution).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gocoach.plans.calendar import local_date
from gocoach.plans.plan import PlannedItem, PlanState
from gocoach.reports.activity import ExerciseInfo, ExerciseStats
from gocoach.reports.modules import name_modules
from gocoach.store.tables import ProgressEvent, TimeEntry, User, WeeklyReport

SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("studied", "Изученные темы", "Topics studied"),
    ("practice", "Выполненные практические задания", "Practical tasks done"),
    ("code", "Написанный код (ссылки на GitHub)", "Code written (links to GitHub)"),
    ("problems", "Возникшие проблемы и их решения", "Problems met and their solutions"),
    ("next", "Планы на следующую неделю", "Plans for next week"),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)
PRACTICE_KINDS = frozenset({"practice", "assignment", "project"})
LABELS = {
    "title": ("Недельный отчёт", "Weekly report"),
    "week": ("Неделя", "Week"),
    "minutes": ("{m} мин", "{m} min"),
    "hours": ("{h} ч", "{h} h"),
    "hours_minutes": ("{h} ч {m} мин", "{h} h {m} min"),
    "of": ("из", "of"),
    "items": ("пунктов недели закрыто", "items of the week closed"),
    "empty": ("_нет записей_", "_nothing recorded_"),
    "problem": ("Проблема", "Problem"),
    "solution": ("Решение", "Solution"),
    "carried": ("перенесено с этой недели", "carried over from this week"),
}
PROBLEM = re.compile(r"^\s*(?:[-*]\s*)?(?:проблема|problem|issue)\s*[:—–-]\s*(?P<text>.+)$", re.I)
SOLUTION = re.compile(r"^\s*(?:[-*]\s*)?(?:решение|solution|fix)\s*[:—–-]\s*(?P<text>.+)$", re.I)
PROBLEM_TAG = re.compile(r"#(?:problem|проблема)\b", re.I)
SOLUTION_TAG = re.compile(r"#(?:solution|решение)\b", re.I)
LINK = re.compile(r"https?://\S+")


def label(key: str, lang: str) -> str:
    """A fixed text of the report in `lang` (ru or en)."""
    ru, en = LABELS[key]
    return en if lang == "en" else ru


def hours_text(hours: float, lang: str) -> str:
    """Hours as hours and minutes, rounded to the minute: 1.14 → '1 ч 8 мин' / '1 h 8 min',
    0.03 → '2 мин'. The web passes its own wording (web.wording.Wording.hours) to
    `report_markdown`; this one words the documents made without it (the terminal)."""
    whole, minutes = divmod(round(abs(hours) * 60), 60)
    if not whole:
        return label("minutes", lang).format(m=minutes)
    return label("hours_minutes" if minutes else "hours", lang).format(h=whole, m=minutes)


def section_title(key: str, lang: str) -> str:
    """The heading of a section in `lang`."""
    ru, en = next((ru, en) for k, ru, en in SECTIONS if k == key)
    return en if lang == "en" else ru


@dataclass
class WeekActivity:
    """What happened in a plan week, as the draft needs it."""

    week: int
    start: date
    end: date
    planned: int
    closed_planned: int
    budget_hours: float
    logged_hours: float
    done: list[PlannedItem] = field(default_factory=list)
    passed: list[ExerciseInfo] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    next_items: list[PlannedItem] = field(default_factory=list)
    carried: list[PlannedItem] = field(default_factory=list)


def collect_activity(session: Session, *, user: User, state: PlanState, week: int,
                     exercises: ExerciseStats) -> WeekActivity:
    """Items closed, exercises passed, links, notes and next week's items of one plan week
    (a track's modules by their titles in the bank)."""
    state = name_modules(session, state)
    start, end = state.calendar.week_start(week), state.calendar.week_end(week)
    known = {(i.roadmap_id, i.key): i for i in [*state.items, *state.checks]}
    events = _events(session, user, state, start, end)
    done_keys = [(e.roadmap_id, e.node_key) for e in events
                 if e.status == "done" and e.previous_status != "done"]
    done = [known[k] for k in dict.fromkeys(done_keys) if k in known]
    links = [link for item in done for link in item.evidence]
    links += [str(link) for e in events for link in e.detail.get("evidence", [])]
    titles = {k: i.title for k, i in known.items()}
    notes = [(titles.get((e.roadmap_id, e.node_key), ""), e.note) for e in events if e.note]
    notes += [("", entry.note) for entry in session.scalars(select(TimeEntry).where(
        TimeEntry.user_id == user.id, TimeEntry.day >= start, TimeEntry.day <= end)) if entry.note]
    minutes = sum(session.scalars(select(TimeEntry.minutes).where(
        TimeEntry.user_id == user.id, TimeEntry.day >= start, TimeEntry.day <= end)))
    passed = [e for e in exercises.passed()
              if e.passed_at is not None and start <= local_date(e.passed_at) <= end]
    this_week = state.week(week).items
    return WeekActivity(
        week=week, start=start, end=end, planned=len(this_week),
        closed_planned=sum(1 for i in this_week if i.closed),
        budget_hours=state.calendar.budget(week, state.hours), logged_hours=round(minutes / 60, 2),
        done=done, passed=passed, links=list(dict.fromkeys(links)), notes=notes,
        next_items=[i for i in state.items if i.week == week + 1 and not i.closed],
        carried=[i for i in this_week if not i.closed])


def _events(session: Session, user: User, state: PlanState, start: date, end: date
            ) -> list[ProgressEvent]:
    """The user's progress events in the plan's roadmaps on the days start..end (local time)."""
    ids = [r.id for r in state.roadmaps]
    lo = datetime.combine(start - timedelta(days=1), time.min, tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=2), time.min, tzinfo=UTC)
    rows = session.scalars(select(ProgressEvent).where(
        ProgressEvent.user_id == user.id, ProgressEvent.roadmap_id.in_(ids),
        ProgressEvent.at >= lo, ProgressEvent.at < hi, ProgressEvent.source != "import")
        .order_by(ProgressEvent.at, ProgressEvent.id))
    return [e for e in rows if start <= local_date(e.at) <= end]


def problems_and_solutions(notes: list[tuple[str, str]], lang: str) -> list[str]:
    """Markdown bullets pairing each marked problem with the solution that follows it."""
    bullets: list[str] = []
    seen: set[tuple[str, str]] = set()
    for context, text in notes:
        for line in text.splitlines():
            kind, content = _marked(line)
            if kind is None or (kind, content) in seen:
                continue
            seen.add((kind, content))
            where = f" ({context})" if context else ""
            if kind == "solution" and bullets and "\n" not in bullets[-1] \
                    and bullets[-1].startswith(f"- **{label('problem', lang)}"):
                bullets[-1] += f"\n  **{label('solution', lang)}:** {content}"
            else:
                bullets.append(f"- **{label(kind, lang)}:** {content}{where}")
    return bullets


def _marked(line: str) -> tuple[str | None, str]:
    for kind, pattern, tag in (("problem", PROBLEM, PROBLEM_TAG),
                               ("solution", SOLUTION, SOLUTION_TAG)):
        match = pattern.match(line)
        if match:
            return kind, match["text"].strip()
        if tag.search(line):
            return kind, tag.sub("", line).strip(" -*")
    return None, ""


def draft_sections(activity: WeekActivity, lang: str) -> dict[str, str]:
    """The five sections in Markdown, an empty summary line and the week's figures."""
    studied = [f"- {i.title}" for i in activity.done if i.item_kind not in PRACTICE_KINDS]
    practice = [f"- {i.title}" for i in activity.done if i.item_kind in PRACTICE_KINDS]
    practice += [f"- {e.title}" + (f" — {e.link}" if e.link else "") for e in activity.passed]
    code = [f"- {link}" for link in activity.links]
    code += [f"- {e.link}" for e in activity.passed if e.link and e.link not in activity.links]
    plans = [f"- {i.title}" for i in activity.next_items]
    plans += [f"- {i.title} ({label('carried', lang)})" for i in activity.carried]
    texts = {"studied": studied, "practice": practice, "code": code,
             "problems": problems_and_solutions(activity.notes, lang), "next": plans}
    # Values, not sentences: an empty section stays empty and the week's figures are kept as
    # numbers, so the page and the export word them in their own language.
    sections = {key: "\n".join(lines) for key, lines in texts.items()}
    sections["summary"] = ""
    sections["figures"] = (f"{activity.logged_hours:g} {activity.budget_hours:g} "
                           f"{activity.closed_planned} {activity.planned}")
    return sections


@dataclass(frozen=True)
class WeekFigures:
    """The week's figures as the draft found them: hours logged and budgeted, items closed."""

    logged_hours: float
    budget_hours: float
    closed_planned: int
    planned: int


def week_figures(report: WeeklyReport) -> WeekFigures | None:
    """The figures stored with a draft (None for a report drafted before they were kept)."""
    parts = report.sections.get("figures", "").split()
    if len(parts) != 4:
        return None
    try:
        return WeekFigures(float(parts[0]), float(parts[1]), int(parts[2]), int(parts[3]))
    except ValueError:
        return None


def get_report(session: Session, state: PlanState, week: int) -> WeeklyReport | None:
    """The stored report of a week, if any."""
    return session.scalars(select(WeeklyReport).where(
        WeeklyReport.plan_id == state.plan.id, WeeklyReport.week == week)).one_or_none()


def list_reports(session: Session, state: PlanState) -> dict[int, WeeklyReport]:
    """Stored reports of the plan by week."""
    return {r.week: r for r in session.scalars(select(WeeklyReport).where(
        WeeklyReport.plan_id == state.plan.id))}


def _check_week(state: PlanState, week: int, today: date) -> None:
    if not 1 <= week <= state.last_week:
        raise ValueError(f"the plan has weeks 1 to {state.last_week}, not {week}")
    if today < state.calendar.week_start(week):
        raise ValueError(f"week {week} starts on {state.calendar.week_start(week)}; "
                         "there is nothing to report yet")


def draft_report(session: Session, *, user: User, state: PlanState, week: int, today: date,
                 now: datetime, exercises: ExerciseStats, lang: str = "ru") -> WeeklyReport:
    """The week's report: the stored one if it exists (kept as written), else a new draft."""
    _check_week(state, week, today)
    report = get_report(session, state, week)
    if report is None:
        activity = collect_activity(session, user=user, state=state, week=week,
                                    exercises=exercises)
        report = WeeklyReport(user_id=user.id, plan_id=state.plan.id, week=week,
                              sections=draft_sections(activity, lang), drafted_at=now)
        session.add(report)
        session.flush()
    return report


def save_report(session: Session, *, user: User, state: PlanState, week: int,
                sections: Mapping[str, str], today: date, now: datetime) -> WeeklyReport:
    """Store the learner's text of a week's report."""
    _check_week(state, week, today)
    unknown = set(sections) - {*SECTION_KEYS, "summary"}
    if unknown:
        raise ValueError(f"unknown report sections: {', '.join(sorted(unknown))}")
    report = get_report(session, state, week)
    if report is None:
        report = WeeklyReport(user_id=user.id, plan_id=state.plan.id, week=week, sections={},
                              drafted_at=now)
        session.add(report)
    report.sections = {**report.sections, **{k: v.replace("\r\n", "\n").strip()
                                             for k, v in sections.items()}}
    report.edited_at = now
    session.flush()
    return report


def ensure_drafts(session: Session, *, user: User, state: PlanState, today: date,
                  now: datetime, exercises: ExerciseStats, lang: str = "ru") -> list[int]:
    """Draft the report of every plan week that has ended and has none; returns those weeks."""
    existing = list_reports(session, state)
    drafted = []
    for week in range(1, min(state.last_week, state.calendar.week_of(today) - 1) + 1):
        if week not in existing and not state.calendar.is_off(week):
            draft_report(session, user=user, state=state, week=week, today=today, now=now,
                         exercises=exercises, lang=lang)
            drafted.append(week)
    return drafted


def report_markdown(report: WeeklyReport, state: PlanState, lang: str = "ru", *,
                    hours: Callable[[float], str] | None = None) -> str:
    """The report as a Markdown document; `hours` words the week's hours (default
    `hours_text`: '2 ч 30 мин из 17 ч 30 мин')."""
    worded = hours or (lambda value: hours_text(value, lang))
    start, end = state.calendar.week_start(report.week), state.calendar.week_end(report.week)
    lines = [f"# {label('title', lang)} — {label('week', lang)} {report.week} ({start} – {end})",
             "", f"{state.plan.title}", ""]
    figures = week_figures(report)
    if figures is not None:
        lines += [f"{worded(figures.logged_hours)} {label('of', lang)} "
                  f"{worded(figures.budget_hours)} · {figures.closed_planned}/{figures.planned} "
                  f"{label('items', lang)}", ""]
    if report.sections.get("summary"):
        lines += [report.sections["summary"], ""]
    for key in SECTION_KEYS:
        lines += [f"## {section_title(key, lang)}", "",
                  report.sections.get(key, "") or label("empty", lang), ""]
    return "\n".join(lines)

