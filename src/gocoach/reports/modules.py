"""A question track's roadmap items named as the bank names their modules.

A track's index lists its modules by folder name (`- [ ] [00-language-overview](…) — …`), and
the roadmap made of it keeps that name as the item's title. Once the bank is loaded, the plan's
pages, /today, the weekly reports and the calendar show the module's own title and link to its
page:

    >>> [i.title for i in name_modules(session, state).items][:2]
    ['Обзор языка Go', 'Горутины и каналы']
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gocoach.plans.plan import PlannedItem, PlanState
from gocoach.questions.views import ModuleName, module_names


@dataclass(frozen=True)
class ModuleItem(PlannedItem):
    """A planned item that is a module of the question bank, with the module's page."""

    link: str = ""


def named_item(item: PlannedItem, names: dict[str, ModuleName]) -> PlannedItem:
    """The item with its module's title and link, when it is a module the bank knows."""
    found = names.get(item.title) if item.item_kind == "module" else None
    if found is None:
        return item
    values = {f.name: getattr(item, f.name) for f in dataclasses.fields(PlannedItem)}
    return ModuleItem(**{**values, "title": found.title}, link=found.link)


def name_modules(session: Session, state: PlanState) -> PlanState:
    """The plan with its module items titled and linked as in the bank (unchanged without)."""
    if not any(i.item_kind == "module" for i in (*state.items, *state.checks)):
        return state
    names = module_names(session)
    if not names:
        return state
    return dataclasses.replace(state, items=[named_item(i, names) for i in state.items],
                               checks=[named_item(i, names) for i in state.checks])
