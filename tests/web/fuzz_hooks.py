"""schemathesis hooks for test_api_fuzz: the fuzzing account never closes or narrows itself.

Loaded by the schemathesis process from its configuration file. A run that deactivated its own
account, or took its own cameras away, would get 401s and 403s for the rest of its calls and test
nothing; every other account stays fair game.
"""

from __future__ import annotations

import os

import schemathesis
from schemathesis import Case, HookContext

FUZZING_ACCOUNT = "FUZZING_ACCOUNT"


@schemathesis.hook
def filter_case(context: HookContext, case: Case) -> bool:
    """Drop a generated call aimed at the fuzzing account itself (deactivate, grants)."""
    return case.path_parameters.get("username") != os.environ.get(FUZZING_ACCOUNT)
