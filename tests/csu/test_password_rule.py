"""The one password rule: length, the common-password list and the account's own name."""

from __future__ import annotations

import pytest

from csu.identity.password_rule import (
    MIN_LENGTH,
    WeakPassword,
    check_password,
    common_passwords,
    password_problems,
)


def test_the_shipped_list_holds_the_usual_suspects() -> None:
    """The list is loaded from the package, lowercased, French favourites included."""
    listed = common_passwords()
    assert len(listed) > 19_000
    assert {"password", "123456", "azerty", "motdepasse", "soleil"} <= listed
    assert all(p == p.lower() for p in listed)


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("short", "alice", f"must be at least {MIN_LENGTH} characters (it has 5)"),
        ("password", "alice", "is one of the most common passwords"),
        ("1234567890123", "alice", "is one of the most common passwords"),
        ("Sunshine2024!!", "alice", "is one of the most common passwords"),
        ("MOTDEPASSE123", "alice", "is one of the most common passwords"),
        ("operator-on-duty", "operator", "must not contain the account's name ('operator')"),
        ("my Dupont family", "jean.dupont", "must not contain the account's name ('dupont')"),
        ("x" * 257, "alice", "must be at most 256 characters"),
    ],
)
def test_weak_passwords_are_refused_naming_why(password: str, username: str, problem: str) -> None:
    """Each refusal says what is wrong, in words."""
    assert problem in password_problems(password, username=username)


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("test-password-1", "operator"),
        ("correct horse battery", "alice"),
        ("Tr0ub4dor&3-quay", "jdupont"),
        ("blue lamp on quay", "op"),  # names under 4 letters are not looked for
    ],
)
def test_good_passwords_pass(password: str, username: str) -> None:
    """Long, uncommon passwords without the name are accepted."""
    assert password_problems(password, username=username) == []
    check_password(password, username=username)


def test_every_problem_is_named_on_one_line() -> None:
    """A password with several problems is refused once, with all of them."""
    with pytest.raises(WeakPassword) as refused:
        check_password("admin", username="admin")
    message = str(refused.value)
    assert "\n" not in message
    assert message == (
        f"password must be at least {MIN_LENGTH} characters (it has 5); is one of the most common"
        " passwords; must not contain the account's name ('admin')"
    )
