"""The exercise grader's sentences in the interface language (issue #16).

The grader gives reasons, codes with values (practice/grading/reasons.py), never sentences; a
results document stores them as `{"code": "test.timeout", "params": {"seconds": 10}}`. Here they
are worded with the catalogs' texts under `grader.<code>`:

    >>> grader_text({"code": "test.timeout", "params": {"seconds": 2.5}}, "ru")[:24]
    'Тест не уложился в 2,5 с'
    >>> grader_text("Тест не прошёл.", "en")  # stored before the codes: shown as it is
    'Тест не прошёл.'

Templates use the `grader` filter (`{{ reason|grader }}`, the page's language); the CLI calls
`grader_text(reason, lang)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal
from jinja2 import pass_context
from jinja2.runtime import Context

from gocoach.practice.grading.reasons import ENGLISH, Reason
from gocoach.web.i18n import DEFAULT, N_, catalog

PREFIX = "grader."
# Every code of reasons.ENGLISH as its catalog key, for extraction (the codes are given at run
# time); tests/test_web_grader_wording.py checks that the two lists agree.
GRADER_KEYS = (
    N_("grader.test.memory_killed"), N_("grader.test.timeout"), N_("grader.test.memory"),
    N_("grader.test.processes"), N_("grader.test.race"), N_("grader.test.panic"),
    N_("grader.test.failed"), N_("grader.test.skipped"), N_("grader.test.not_run"),
    N_("grader.run.output_limit"), N_("grader.run.timeout"), N_("grader.run.init_panic"),
    N_("grader.run.not_started"), N_("grader.run.failed_count"), N_("grader.run.unconfirmed"),
    N_("grader.verdict.timeout"), N_("grader.verdict.missing"), N_("grader.verdict.tampered"),
    N_("grader.verdict.exit_code"), N_("grader.verdict.failed"), N_("grader.internal.sandbox"),
    N_("grader.bench.not_run"), N_("grader.bench.crashed"), N_("grader.bench.allocs"),
    N_("grader.bench.failed_count"), N_("grader.build.timeout"),
    N_("grader.build.file_too_large"), N_("grader.submission.too_many_files"),
    N_("grader.submission.path"), N_("grader.submission.bad_name"),
    N_("grader.submission.too_large"), N_("grader.submission.no_go_files"),
    N_("grader.submission.too_many_go_files"), N_("grader.submission.cgo"),
    N_("grader.submission.verdict_package"), N_("grader.submission.directive"),
    N_("grader.submission.ignored"), N_("grader.flag.imports_testing"),
    N_("grader.flag.imports_flag"), N_("grader.flag.imports_unsafe"),
    N_("grader.flag.catches_signals"), N_("grader.flag.dot_import"), N_("grader.flag.framing"),
    N_("grader.flag.reads_tests"), N_("grader.flag.exit_call"), N_("grader.flag.lists_files"),
    N_("grader.flag.os_args"), N_("grader.flag.test_main"), N_("grader.limits.note"),
    N_("grader.limits.bwrap"), N_("grader.limits.no_sandbox"), N_("grader.limits.seccomp"),
    N_("grader.limits.no_seccomp"), N_("grader.limits.cgroup"), N_("grader.limits.rlimits"),
    N_("grader.queue.closed"), N_("grader.queue.busy"), N_("grader.sandbox.unavailable"),
    N_("grader.sandbox.unsandboxed"), N_("grader.notice.team_mode"),
    N_("grader.notice.no_sandbox"), N_("grader.notice.refused"), N_("grader.notice.unsandboxed"),
)


def grader_text(reason: object, lang: str) -> str:
    """A grader's reason in `lang`: a `Reason` or its stored document; numbers in the language's
    form, a reason among the values worded too. Anything else is text stored before the grader
    gave codes (Russian) and is shown as it is; None is "".

    A code this version has no text for (a newer worker's) is said in its English if known,
    else as the code itself: a page never fails on it.
    """
    code, params = _parts(reason)
    if code is None:
        return "" if reason is None else str(reason)
    key = PREFIX + code
    template: str = catalog(lang).gettext(key)
    if template == key:
        template = ENGLISH.get(code, code)
    words = {name: _word(value, lang) for name, value in params.items()}
    try:
        return template.format(**words)
    except (KeyError, IndexError, ValueError):  # a placeholder the stored values lack
        return template


@pass_context
def grader_filter(context: Context, reason: object) -> str:
    """`{{ reason|grader }}`: grader_text in the page's language."""
    return grader_text(reason, str(context.get("lang") or DEFAULT))


def _parts(reason: object) -> tuple[str | None, Mapping[str, Any]]:
    """(code, params) of a Reason or of its stored document; (None, {}) for anything else."""
    if isinstance(reason, Reason):
        return reason.code, reason.params
    if isinstance(reason, Mapping) and isinstance(reason.get("code"), str):
        params = reason.get("params")
        return reason["code"], params if isinstance(params, Mapping) else {}
    return None, {}


def _word(value: object, lang: str) -> object:
    """One value of a sentence: a reason worded, a fraction in the language's form."""
    if _parts(value)[0] is not None:
        return grader_text(value, lang)
    if isinstance(value, float):
        return format_decimal(value, locale=lang)
    return value
