"""The domain's English sentences that reach a web page, mapped to catalog keys.

Most domain errors are raised as `ValueError`/`LookupError` with a fixed English sentence,
which the CLI prints as it is. The web face says them in the interface language: each pattern
below names the catalog key of one sentence, and its named groups fill the key's placeholders.
A sentence no pattern knows is shown as it is in English and replaced by the status's general
message in another language (wording.Wording.error), so a page never mixes two languages.
New domain errors had better carry their key (store.refusals.Refusal) than add a pattern here.
"""

from __future__ import annotations

import re

from gocoach.web.i18n import N_

_NAME = r"(?P<name>.+?)"
_ANY = r"(?P<what>.+)"

PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), key) for pattern, key in (
        # importing a document (curricula)
        (_NAME + r": the file is empty", N_("err.doc.empty")),
        (_NAME + r": this is a binary file, not a text document", N_("err.doc.binary")),
        (_NAME + r":(?P<line>\d+): invalid (?P<encoding>\S+) text \(.*\)", N_("err.doc.invalid")),
        (_NAME + r": (?:larger than the|the file is [\d.]+ MB; the limit is) (?P<mb>[\d.]+) MB"
         r"(?: limit)? \(GOCOACH_MAX_IMPORT_BYTES\)", N_("err.doc.too_big")),
        (_NAME + r": no list items, checkboxes or tables found under the headings",
         N_("err.doc.no_items")),
        (_NAME + r": no Markdown headings found, and no lists or tables either.*",
         N_("err.doc.no_headings")),
        (_NAME + r": not a readable zip archive .*", N_("err.doc.zip")),
        # roadmap.sh folders, JSON and archives (curricula.roadmapsh)
        (_NAME + r": unsafe path in the archive: (?P<path>.+) \(absolute or with '\.\.'\); "
         r"nothing was imported", N_("err.doc.unsafe_path")),
        (_NAME + r": (?P<path>.+) is encrypted; unpack it yourself", N_("err.doc.encrypted")),
        (_NAME + r": cannot unpack (?P<path>.+) \(.*\)", N_("err.doc.unpack")),
        (_NAME + r": (?P<count>\d+) files in the archive; the limit is (?P<limit>\d+)",
         N_("err.doc.too_many_files")),
        (_NAME + r": more than (?P<limit>\d+) files under content/",
         N_("err.doc.too_many_files")),
        (_NAME + r": unpacks to (?P<size>[\d.]+) MB; the limit is (?P<mb>[\d.]+) MB .*",
         N_("err.doc.unpacked_too_big")),
        (_NAME + r": is (?P<size>[\d.]+) MB; the limit is (?P<mb>[\d.]+) MB "
         r"\(GOCOACH_MAX_IMPORT_BYTES\)", N_("err.doc.too_big")),
        (_NAME + r": no content/ folder beside (?P<path>.+?) — .*", N_("err.doc.no_content")),
        (_NAME + r": not a roadmap\.sh roadmap — .*", N_("err.doc.not_roadmapsh")),
        (_NAME + r": several roadmaps \((?P<names>.+?)\); .*", N_("err.doc.several")),
        (_NAME + r": not UTF-8 JSON \(byte (?P<byte>\d+)\)", N_("err.doc.json_utf8")),
        (_NAME + r": not valid JSON: (?P<what>.+) at line (?P<line>\d+), column (?P<column>\d+)",
         N_("err.doc.json")),
        (_NAME + r": JSON nested too deeply", N_("err.doc.json_deep")),
        (_NAME + r": (?P<count>\d+) nodes in the roadmap; the limit is (?P<limit>\d+)",
         N_("err.doc.too_many_nodes")),
        (_NAME + r": no topics or subtopics with a label in the roadmap\.sh \w+",
         N_("err.doc.no_topics")),
        (_NAME + r': a roadmap\.sh mockup without "controls".*', N_("err.doc.not_roadmapsh")),
        # roadmaps and progress
        (r"no roadmap '(?P<slug>[^']*)'.*", N_("err.roadmap")),
        (r"no (?:item|heading) '(?P<key>[^']*)' in roadmap '(?P<slug>[^']*)'", N_("err.item")),
        (r"no item with id '(?P<key>[^']*)'", N_("err.item_id")),
        (r"unknown status '(?P<status>[^']*)'.*", N_("err.status")),
        # plans, time log, reports
        (r"'(?P<text>.*)' is not a date; write it as YYYY-MM-DD", N_("err.date")),
        (r"'(?P<text>.*)' is not a range of days off.*", N_("err.days_off")),
        (r"'(?P<text>.*)': the range ends before it starts", N_("err.range")),
        (r"name at least one roadmap for the plan.*", N_("err.plan.roadmaps")),
        (r"a roadmap is named twice.*", N_("err.plan.twice")),
        (r"hours per week must be between 1 and 100, not (?P<hours>.+)", N_("err.plan.hours")),
        (r"roadmap '(?P<slug>[^']*)' has no items to put on a calendar", N_("err.plan.empty")),
        (r"no active plan.*|no plan yet.*", N_("err.plan.none")),
        (r"minutes must be between 1 and (?P<most>\d+), not (?P<minutes>-?\d+)",
         N_("err.time.minutes")),
        (r"the plan has weeks 1 to (?P<last>\d+), not (?P<week>-?\d+)", N_("err.plan.week")),
        (r"week (?P<week>\d+) starts on (?P<start>[\d-]+); there is nothing to report yet",
         N_("err.report.early")),
        (r"item '(?P<key>[^']*)' of '(?P<slug>[^']*)' is not in the plan", N_("err.plan.item")),
        # question bank, drills
        (r"no module '(?P<number>[^']*)' in the question bank.*", N_("err.module")),
        (r"no question '(?P<qid>[^']*)' in the (?:bank|question bank).*", N_("err.question")),
        (r"unknown card '(?P<ref>[^']*)'.*", N_("err.card")),
        (r"(?:a )?rating (?:must be|is) 1 \((?:A|a)gain\).*", N_("err.rating")),
        (r"desired retention must be between (?P<low>[\d.]+) and (?P<high>[\d.]+), not .*",
         N_("err.retention")),
        (r"new cards a day must be between 0 and (?P<most>\d+), not .*", N_("err.new_per_day")),
        (r"level must be one of .*|unknown level '.*", N_("err.level")),
        (r"frequency must be from 1 to 5, not .*", N_("err.frequency")),
        # interviews
        (r"a session lasts 5 to 180 minutes, not (?P<minutes>-?\d+)", N_("err.iv.minutes")),
        (r"unknown answer mode .*", N_("err.iv.mode")),
        (r"the question bank is empty.*", N_("err.iv.bank_empty")),
        (r"unknown module\(s\) (?P<modules>.+?): use numbers like 01, 05.*", N_("err.iv.modules")),
        (r"no (?P<level>\w+) questions in module\(s\) (?P<modules>.+?): .*",
         N_("err.iv.no_questions")),
        (r"no interview session (?P<id>\d+)", N_("err.iv.missing")),
        (r"interview (?P<id>\d+) is (?P<state>\w+); start a new one", N_("err.iv.closed")),
        (r"interview (?P<id>\d+) has no question waiting for an answer", N_("err.iv.no_question")),
        (r"no follow-up '.*' for question '.*'", N_("err.iv.followup")),
        (r"follow-up '.*' is already answered or skipped", N_("err.iv.followup_done")),
        (r"follow-up '.*' has no answer in this question yet", N_("err.iv.followup_open")),
        (r"follow-up '.*' is already rated.*", N_("err.iv.followup_rated")),
        (r"key point (?P<n>\d+) does not exist.*", N_("err.iv.key_point")),
        (r"no answer (?P<answer>\d+) in interview session (?P<id>\d+)", N_("err.iv.answer")),
        (r"too many .* numbers.*|not a .* number: .*", N_("err.numbers")),
        (r"the answer is (?P<length>[\d,]+) characters long; only the first (?P<limit>[\d,]+) "
         r"are kept.*", N_("iv.note.long")),
        (r"the answer is not in Russian or English, so it could not be checked.*",
         N_("iv.note.language")),
        (r"the embedding model is unavailable, answers are checked by terms only.*",
         N_("iv.note.no_model")),
        # exercises and projects
        (r"no exercise '(?P<slug>[^']*)'.*", N_("err.exercise")),
        (r"no (?:project )?submission (?P<id>\d+)|(?:project )?submission (?P<sid>\d+) is not "
         r"for '.*'", N_("err.submission")),
        (r"no project '(?P<slug>[^']*)'.*", N_("err.project")),
        (r"no report for week (?P<week>\d+) yet.*", N_("err.report.none")),
    )
)

# What the Markdown parser says it made of a document (curricula.markdown._notes).
NOTES: dict[str, str] = {
    "checkbox sub-items": N_("import.note.checkbox_subitems"),
    "sub-items": N_("import.note.subitems"),
    "links kept as resources": N_("import.note.links"),
    "labelled bullets": N_("import.note.labelled"),
    "table rows": N_("import.note.table_rows"),
    "table rows with a status": N_("import.note.table_status"),
    "table rows without a topic skipped": N_("import.note.table_skipped"),
    "entries without words skipped": N_("import.note.wordless"),
    "title from the file name": N_("import.note.title_file"),
    "title from the first heading": N_("import.note.title_heading"),
}
OUTLINE_NOTE = ("no checkboxes and no week/phase headings: list items and table rows under the "
                "headings are tracked")


def phrase_key(sentence: str) -> tuple[str, dict[str, str]] | None:
    """The catalog key and the values of a known domain sentence, else None."""
    for pattern, key in PHRASES:
        found = pattern.match(sentence)
        if found:
            return key, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def note_key(note: str) -> tuple[str, int | None] | None:
    """The catalog key and the count of one of the parser's notes, else None."""
    if note == OUTLINE_NOTE:
        return N_("import.note.outline"), None
    count, _, what = note.partition(" ")
    if count.isdigit() and what in NOTES:
        return NOTES[what], int(count)
    return (NOTES[note], None) if note in NOTES else None
