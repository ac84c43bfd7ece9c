"""Readable `--help`: every option gets a metavar a person reads (N, DATE, PATH, NOTE), never a
Python type such as `<str>`, `<int>` or `<list[str]>`; an argument's own name says what it is.

`cli/main.py` calls `name_metavars` on every command group it loads. A command keeps a metavar
it sets itself (`typer.Option(metavar="DATE")`).
"""

from __future__ import annotations

import copy
from typing import Any

from typer._click.core import Parameter
from typer._click.types import ParamType

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
