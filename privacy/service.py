"""Privacy's face for the layers above: who is asking and what they may do now (the viewer, its
rights, the watch that ends what outlives them), the rendition they get, the accounts'
administration and the authorisations held without data-protection training, and what the
cameras' public signs say. Each is defined where it belongs; access to video itself is logged by
the services that serve it (privacy.guard), and the access log, audit and zones have their own."""

from privacy.account_forms import AccountChange, PasswordReset, RoleChange, TrainingChange
from privacy.accounts import AccountAdmin, AccountOut, GrantChange, NewAccount
from privacy.renditions import Rendition
from privacy.rights import CameraRights, Requester, Viewer
from privacy.rights_watch import RightsWatch
from privacy.signage import Signage, camera_signage
from privacy.training import (
    HeldGrant,
    UntrainedAuthorisation,
    find_untrained_authorisations,
    held_grants_in,
    untrained_authorisations,
)

__all__ = [
    "AccountAdmin",
    "AccountChange",
    "AccountOut",
    "CameraRights",
    "GrantChange",
    "HeldGrant",
    "NewAccount",
    "PasswordReset",
    "Rendition",
    "Requester",
    "RightsWatch",
    "RoleChange",
    "Signage",
    "TrainingChange",
    "UntrainedAuthorisation",
    "Viewer",
    "camera_signage",
    "find_untrained_authorisations",
    "held_grants_in",
    "untrained_authorisations",
]
