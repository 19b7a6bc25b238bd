"""The one password rule, for every path that creates or changes a password.

NIST SP 800-63B and OWASP ASVS 4 (V2.1): a minimum length, no composition rules, and a refusal of
passwords found in breach lists or made of the account's own name. The list is the 19,640 common
passwords Django ships (see common-passwords.LICENSE for its provenance); it holds the French
favourites too ("azerty", "soleil", "motdepasse").
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from csu.errors import Invalid, Term, term

# ASVS 4 V2.1.1 asks for 12; logins are single-factor and throttled, not enough for fewer.
MIN_LENGTH = 12
MAX_LENGTH = 256
# Name parts shorter than this ("jo", "op") would refuse too many good passwords.
MIN_NAME_PART = 4
# What people add to a common word to pass a length rule: "sunshine2024!!".
_DECORATION = re.compile(r"[\d\W_]+$")
_NAME_SEPARATORS = re.compile(r"[._\-\s\d]+")


class WeakPassword(Invalid, ValueError):
    """The password breaks the rule; the message says every way it does, on one line."""


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    data = resources.files("csu.identity").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def password_problems(
    password: str, *, username: str, names: Iterable[str] = (), common: frozenset[str] | None = None
) -> list[str]:
    """Every way the password breaks the rule (empty when it is acceptable)."""
    found = password_terms(password, username=username, names=names, common=common)
    return [english for english, _ in found]


def password_terms(
    password: str, *, username: str, names: Iterable[str] = (), common: frozenset[str] | None = None
) -> list[tuple[str, Term]]:
    """Every way the password breaks the rule, in English and as its catalogue text."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            (
                f"must be at least {MIN_LENGTH} characters (it has {len(password)})",
                term("errors.password.too_short", least=MIN_LENGTH, length=len(password)),
            )
        )
    if len(password) > MAX_LENGTH:
        problems.append(
            (
                f"must be at most {MAX_LENGTH} characters",
                term("errors.password.too_long", most=MAX_LENGTH),
            )
        )
    folded = password.casefold().strip()
    listed = common_passwords() if common is None else common
    bare = _DECORATION.sub("", folded)
    if folded in listed or (len(bare) >= MIN_NAME_PART and bare in listed):
        problems.append(("is one of the most common passwords", term("errors.password.common")))
    own = _own_name_in(folded, [username, *names])
    if own:
        problems.append(
            (
                f"must not contain the account's name ({own!r})",
                term("errors.password.name", name=own),
            )
        )
    return problems


def weak_password(field: str, problems: list[tuple[str, Term]]) -> WeakPassword:
    """The refusal naming every problem of a password given as `field`."""
    return WeakPassword(
        f"{field} " + "; ".join(english for english, _ in problems),
        key="errors.password.refused",
        problems=[words for _, words in problems],
    )


def check_password(password: str, *, username: str, names: Iterable[str] = ()) -> None:
    """Raise WeakPassword naming every problem, unless the password is acceptable."""
    problems = password_terms(password, username=username, names=names)
    if problems:
        raise weak_password("password", problems)


def _own_name_in(folded: str, names: list[str]) -> str | None:
    for name in names:
        whole = name.casefold().strip()
        parts = [whole, *_NAME_SEPARATORS.split(whole)]
        for part in parts:
            if len(part) >= MIN_NAME_PART and part in folded:
                return part
    return None
