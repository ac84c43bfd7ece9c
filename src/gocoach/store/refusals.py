"""Errors that name their message for the faces: an interface-text key and its values.

The domain raises `Refusal("plan.err.hours", "hours per week: 1 to 80, not 0", hours=0)`:
the web face says it in the interface language (the catalogs' text of `code`, with `params`
filled in), the CLI prints the English sentence (`str(exc)`). A `Missing` is a 404 on the web.
"""

from __future__ import annotations


class Refusal(ValueError):
    """Input the domain refuses; `code` is the catalog key of the message, `params` its values."""

    def __init__(self, code: str, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class Missing(LookupError):
    """Something asked for that does not exist; `code` and `params` as in `Refusal`."""

    def __init__(self, code: str, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
