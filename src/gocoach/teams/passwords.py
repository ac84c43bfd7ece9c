"""Password hashes (argon2id, `argon2-cffi`) and the rules a new password must meet.

argon2-cffi's default profile (RFC 9106 "low memory": 3 passes over 64 MiB, 4 lanes) takes
~0.11 s per hash on this kind of 2-core machine. 64 MiB per hash means 40 web threads hashing at
once would want 2.5 GB, so at most `HASHING_SLOTS` hashes run at a time; the others wait.
"""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # a password longer than this is refused before it is hashed
HASHING_SLOTS = max(2, os.cpu_count() or 2)

HASHER = PasswordHasher()
_slots = threading.BoundedSemaphore(HASHING_SLOTS)
_dummy: list[str] = []


class PasswordRuleError(ValueError):
    """A new password that breaks a rule; `key` names the rule for the interface texts."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def check_password_rules(password: str, *, username: str = "") -> None:
    """Raise PasswordRuleError unless the password is long enough and not the username."""
    if len(password) < MIN_LENGTH:
        raise PasswordRuleError("password_short",
                                f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRuleError("password_long",
                                f"a password may have at most {MAX_LENGTH} characters")
    if "\x00" in password:
        raise PasswordRuleError("password_nul", "a password may not contain a NUL character")
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordRuleError("password_username", "the password may not be the username")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; a PHC string)."""
    with _slots:
        return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; an account without one never matches.

    Without a stored hash a dummy hash is checked anyway, so an unknown username takes as long
    as a wrong password (no user enumeration by timing).
    """
    if len(password) > MAX_LENGTH:
        return False
    target = stored or _dummy_hash()
    try:
        with _slots:
            HASHER.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored is not None


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(hash_password("not a password of anyone"))
    return _dummy[0]
