"""Readable `--help` in the user's language.

Every option gets a metavar a person reads (N, DATE, PATH, NOTE), never a Python type such as
`<str>`, `<int>` or `<list[str]>`; an argument's own name says what it is. Help texts are
catalog keys translated when a command group is built (`speak_help`), and click's and Typer's
own words (the usage line, the panels, usage errors) are said in the CLI's language too
(cli/language.py).

`cli/main.py` calls `name_metavars` and `speak_help` on every command group it loads. A command
keeps a metavar it sets itself (`typer.Option(metavar="DATE")`).
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from typer._click.core import Context, Parameter
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer._click.types import ParamType

from gocoach.cli.language import N_, language, t

# by the click type's name; a text option is named after itself (--note NOTE)
TYPE_METAVARS = {"int": "N", "int range": "N", "float": "NUMBER", "float range": "NUMBER",
                 "path": "PATH", "filename": "FILE", "datetime": "DATE", "uuid": "UUID"}


def name_metavars(command: Any) -> None:
    """Give `command` and every command below it readable metavars (in place)."""
    for param in getattr(command, "params", []):
        _name(param)
    for sub in getattr(command, "commands", {}).values():
        name_metavars(sub)


def _name(param: Parameter) -> None:
    if not _plain_type(param.type):
        return  # a choice or a date format lists its values itself
    if param.param_type_name == "argument":
        param.type = _unlabelled(param.type)
        return
    if param.metavar is not None or getattr(param, "is_flag", False):
        return
    name = TYPE_METAVARS.get(param.type.name) or (param.name or "value").upper()
    param.metavar = name + ("..." if param.nargs != 1 else "")


def _plain_type(kind: ParamType) -> bool:
    """True when the type has no metavar of its own (the help would print `<its name>`)."""
    return type(kind).get_metavar is ParamType.get_metavar


def _unlabelled(kind: ParamType) -> ParamType:
    """A copy of the type with an empty metavar: the help's type column stays blank."""
    plain = copy.copy(kind)
    setattr(plain, "get_metavar", lambda param, ctx: "")  # noqa: B010 (an instance override)
    return plain


# --- the words of --help and of usage errors, in the CLI's language -------------------------

def speak_help(command: Any) -> None:
    """Put the help of `command` and of everything below it in the CLI's language (in place).

    A help text given as a key (`help=N_("cli.help.today")`) becomes its catalog text when the
    command group is built for a run, never at import: the CLI server (cli/zygote.py) imports
    the command modules before it knows who will run them, and in which language.
    """
    keys: dict[str, str | None] = command.__dict__.setdefault(
        "_help_keys", {"help": command.help, "short_help": command.short_help})
    for attr, key in keys.items():
        setattr(command, attr, t(key) if key else key)
    command.options_metavar = t("cli.usage.options_metavar")
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = t("cli.usage.command_metavar")
    for param in getattr(command, "params", []):
        key = param.__dict__.setdefault("_help_key", getattr(param, "help", None))
        if key:
            param.help = t(key)
    option = command.get_help_option(Context(command))
    if option is not None:
        option.help = t("cli.usage.help_option")
    # instance attributes: the usage line and the help of this command speak the language
    setattr(command, "format_usage", functools.partial(_format_usage, command))  # noqa: B010
    setattr(command, "format_help", functools.partial(_format_help, command))  # noqa: B010
    for sub in getattr(command, "commands", {}).values():
        speak_help(sub)


def _format_usage(command: Any, ctx: Context, formatter: HelpFormatter) -> None:
    pieces = command.collect_usage_pieces(ctx)
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=t("cli.usage.prefix"))


def _format_help(command: Any, ctx: Context, formatter: HelpFormatter) -> None:
    speak_typer()
    type(command).format_help(command, ctx, formatter)


def speak_typer() -> None:
    """Typer's own words (panel titles, [default: …], «Try … for help») in the CLI's language.

    Called only on the way to printing help or an error: typer.rich_utils costs ~60 ms to
    import, which a command that runs fine never pays.
    """
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = t("cli.usage.arguments")
    rich_utils.OPTIONS_PANEL_TITLE = t("cli.usage.options")
    rich_utils.COMMANDS_PANEL_TITLE = t("cli.usage.commands")
    rich_utils.ERRORS_PANEL_TITLE = t("cli.usage.error")
    rich_utils.ABORTED_TEXT = t("cli.usage.aborted")
    rich_utils.RICH_HELP = t("cli.usage.try_help", command="{command_path}",
                             option="{help_option}")
    rich_utils.DEFAULT_STRING = t("cli.usage.default", value="{}")
    rich_utils.REQUIRED_LONG_STRING = t("cli.usage.required")
    rich_utils.DEPRECATED_STRING = t("cli.usage.deprecated")
    rich_utils.ENVVAR_STRING = t("cli.usage.envvar", name="{}")


# click's messages (its English, fixed in its code), by what they say: the key of each and the
# values it takes; a message none of them matches is said in general words
USAGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), key) for pattern, key in (
        (r"No such command (?P<name>.+?)\. Did you mean (?P<suggestion>.+)\?",
         N_("cli.usage.no_command_suggest")),
        (r"No such command (?P<name>.+?)\.", N_("cli.usage.no_command")),
        (r"Missing command\.", N_("cli.usage.missing_command")),
        (r"Got unexpected extra arguments? \((?P<args>.*)\)", N_("cli.usage.extra_args")),
        (r"Option (?P<name>.+) requires an argument\.", N_("cli.usage.needs_value")),
        (r"Option (?P<name>.+) requires (?P<count>\d+) arguments\.",
         N_("cli.usage.needs_values")),
        (r"Option (?P<name>.+) does not take a value\.", N_("cli.usage.takes_no_value")),
        (r"Argument (?P<name>.+) takes (?P<count>\d+) values\.", N_("cli.usage.arg_values")),
    )
)
VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), key) for pattern, key in (
        (r"(?P<value>.+) is not a valid int(?:eger)?\.", N_("cli.usage.not_int")),
        (r"(?P<value>.+) is not a valid float\.", N_("cli.usage.not_number")),
        (r"(?P<value>.+) is not a valid boolean\..*", N_("cli.usage.not_boolean")),
        (r"(?P<value>.+) is not in the range (?P<range>.+)\.", N_("cli.usage.out_of_range")),
        (r"(?P<value>.+) does not match the formats? (?P<formats>.+)\.",
         N_("cli.usage.not_format")),
        (r"(?P<count>\d+) values are required, but (?P<given>\d+) given\.",
         N_("cli.usage.value_count")),
        (r"Takes (?P<count>\d+) values but (?P<given>\d+) given\.",
         N_("cli.usage.value_count")),
    )
)


def usage_error(exc: ClickException) -> ClickException:
    """A usage error of click in the CLI's language (the same error in English)."""
    if language() == "en" or type(exc).__name__ == "NoArgsIsHelpError":
        return exc
    said = UsageError(_usage_text(exc), ctx=getattr(exc, "ctx", None))
    said.exit_code = exc.exit_code
    return said


def _usage_text(exc: ClickException) -> str:
    if isinstance(exc, BadParameter):
        hint = exc.param_hint if exc.param_hint is not None else (
            exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx else None)
        if hint is not None and not isinstance(hint, str):
            hint = " / ".join(repr(h) for h in hint)
        if isinstance(exc, MissingParameter):
            kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
            key = {"argument": N_("cli.usage.missing_argument"),
                   "option": N_("cli.usage.missing_option")}.get(kind,
                                                                N_("cli.usage.missing_parameter"))
            return t(key, name=hint or "")
        what = _matched(exc.message, VALUE_PATTERNS) or exc.message
        return t("cli.usage.invalid_for", name=hint, what=what) if hint else \
            t("cli.usage.invalid", what=what)
    if isinstance(exc, NoSuchOption):
        text = t("cli.usage.no_option", name=exc.option_name)
        if exc.possibilities:
            text += " " + t("cli.usage.possible", names=", ".join(sorted(exc.possibilities)))
        return text
    return _matched(exc.message, USAGE_PATTERNS) or t("cli.usage.bad")


def _matched(message: str, patterns: tuple[tuple[re.Pattern[str], str], ...]) -> str | None:
    for pattern, key in patterns:
        found = pattern.match(message)
        if found:
            return t(key, **{k: v or "" for k, v in found.groupdict().items()})
    return None
