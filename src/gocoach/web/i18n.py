"""Interface texts in Russian and English, through gettext (docs/i18n.md).

The catalogs are src/gocoach/locale/<lang>/LC_MESSAGES/messages.po; their msgids are symbolic
keys ("nav.roadmaps"), so an English wording can change without invalidating the Russian one
and both catalogs must translate every key (tests/test_i18n_catalogs.py). Dates, numbers and
plurals are Babel's, in the interface language and the user's time zone (`Wording`). The
language comes from the GOCOACH_LANGUAGE setting, a cookie or the browser.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("ru", "en")
DEFAULT = "ru"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"


def N_(key: str) -> str:  # gettext's name for "mark for extraction only"
    """Mark a key for `pybabel extract` where the code builds it at run time."""
    return key


# Keys the templates and routes compose at run time ('status.' ~ item.status): listed here so
# that extraction sees them and `pybabel update` keeps them.
RUNTIME_KEYS = (
    N_("account.changed_name"), N_("account.changed_password"), N_("acct.err.cohort_hours"),
    N_("acct.err.cohort_roadmaps"), N_("acct.err.cohort_slug"), N_("acct.err.cohort_taken"),
    N_("acct.err.cohort_title"), N_("acct.err.comment_empty"), N_("acct.err.comment_long"),
    N_("acct.err.confirm"), N_("acct.err.current"), N_("acct.err.days"),
    N_("acct.err.display_name"), N_("acct.err.invitation_expired"),
    N_("acct.err.invitation_unknown"), N_("acct.err.invitation_used"),
    N_("acct.err.member_role"), N_("acct.err.member_twice"), N_("acct.err.not_mentor"),
    N_("acct.err.password_long"), N_("acct.err.password_nul"), N_("acct.err.password_short"),
    N_("acct.err.password_username"), N_("acct.err.role"), N_("acct.err.same"),
    N_("acct.err.self"), N_("acct.err.taken"), N_("acct.err.username"),
    N_("cohort.milestone.at_risk"), N_("cohort.milestone.met"), N_("cohort.milestone.on_track"),
    N_("cohort.milestone.overdue"), N_("dash.data"), N_("drill.again"), N_("drill.easy"),
    N_("drill.good"), N_("drill.hard"), N_("drill.unit.d"), N_("drill.unit.h"),
    N_("drill.unit.min"), N_("ex.status.error"), N_("ex.status.fail"), N_("ex.status.pass"),
    N_("iv.claim.covered"), N_("iv.claim.not_covered"), N_("iv.claim.not_stated"),
    N_("iv.ignored.list"), N_("iv.ignored.unsure"), N_("iv.overall.fine"),
    N_("iv.overall.too_high"), N_("iv.overall.too_low"), N_("iv.rate"), N_("iv.rate_candidate"),
    N_("iv.status.open"), N_("iv.verdict.good"), N_("iv.verdict.misconception"),
    N_("iv.verdict.off_topic"), N_("iv.verdict.partial"), N_("iv.verdict.unchecked"),
    N_("iv.verdict.weak"), N_("milestones.check.cards"), N_("milestones.check.exercises"),
    N_("milestones.check.items"), N_("nav.projects"), N_("pace.ahead"), N_("pace.behind"),
    N_("pace.finished"), N_("pace.not_started"), N_("pace.on_track"), N_("pj.status.error"),
    N_("pj.status.fail"), N_("pj.status.pass"), N_("pj.status.skipped"), N_("plan.ends"),
    N_("plan.replan"), N_("reports.none"), N_("roadmaps.done"), N_("roadmaps.items"),
    N_("role.admin"), N_("role.learner"), N_("role.mentor"), N_("stats.level"),
    N_("stats.modules"), N_("stats.questions"), N_("status.done"), N_("status.in_progress"),
    N_("status.skipped"), N_("status.todo"),
)

# The names of code values that fmt.label() shows: node, item and roadmap kinds, the import
# report's counts, the time log's sources, card states, interview verdicts, chart labels;
# and the error page of a wrong method.
LABEL_KEYS = (
    N_("kind.assignment"), N_("count.assignment"), N_("kind.criterion"), N_("count.criterion"),
    N_("kind.day"), N_("count.day"), N_("kind.followup"), N_("count.followup"), N_("kind.goal"),
    N_("count.goal"), N_("kind.group"), N_("count.group"), N_("kind.item"), N_("count.item"),
    N_("kind.milestone"), N_("count.milestone"), N_("kind.module"), N_("count.module"),
    N_("kind.month"), N_("count.month"), N_("kind.numbered"), N_("count.numbered"),
    N_("kind.phase"), N_("count.phase"), N_("kind.practice"), N_("count.practice"),
    N_("kind.project"), N_("count.project"), N_("kind.report"), N_("count.report"),
    N_("kind.resource"), N_("count.resource"), N_("kind.roadmap"), N_("count.roadmap"),
    N_("kind.root"), N_("count.root"), N_("kind.section"), N_("count.section"), N_("kind.stage"),
    N_("count.stage"), N_("kind.theory"), N_("count.theory"), N_("kind.tier"), N_("count.tier"),
    N_("kind.topic"), N_("count.topic"), N_("kind.track"), N_("count.track"), N_("kind.week"),
    N_("count.week"), N_("kind.roadmapsh"), N_("count.roadmapsh"), N_("count.checkbox_items"),
    N_("count.trackable_items"), N_("time.source.manual"), N_("time.source.drill"),
    N_("time.source.interview"), N_("time.source.exercise"), N_("time.source.project"),
    N_("err.method"),
    N_("iv.verdict_text.ready"), N_("iv.verdict_text.almost"), N_("iv.verdict_text.not_yet"),
    N_("chart.week"), N_("chart.hours"), N_("chart.planned"), N_("chart.logged"),
    N_("chart.day"), N_("chart.due"), N_("card.state.new"), N_("card.state.learning"),
    N_("card.state.review"), N_("card.state.relearning"),
)


def catalog_paths(lang: str) -> tuple[Path, Path]:
    """The .po source and the compiled .mo of a language."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


@functools.cache
def catalog(lang: str) -> Translations:
    """The compiled catalog of `lang` (`make i18n` builds the .mo; without an up-to-date one,
    e.g. in a fresh clone, the .po is compiled in memory)."""
    po, mo = catalog_paths(lang if lang in LANGUAGES else DEFAULT)
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    with po.open("rb") as source:
        messages = read_po(source, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, messages)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def translate(key: str, lang: str, /, **params: Any) -> str:
    """The text of `key` in `lang`, with `{name}` placeholders filled from `params` (the key
    itself if the catalog lacks it)."""
    text: str = catalog(lang).gettext(key)
    return text.format(**params) if params else text


def translate_plural(key: str, count: int, lang: str, /, **params: Any) -> str:
    """The plural form of `key` for `count` in `lang` ({n} is the count)."""
    text: str = catalog(lang).ngettext(key, key, count)
    return text.format(n=count, **params)


def pick_language(cookie: str | None, accept_language: str | None, forced: str = "") -> str:
    """The interface language: setting, then cookie, then the browser's first known language."""
    if forced in LANGUAGES:
        return forced
    if cookie in LANGUAGES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
