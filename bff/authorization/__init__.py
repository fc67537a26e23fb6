"""Authorization at the gateway from the supergraph: `@authenticated`, `@requiresScopes` and
`@policy`. Refused fields are removed before planning, never fetched, and answered null with a
FORBIDDEN error at their path (see `access_rules` for what each directive asks and `policies`
for how a policy is decided)."""

from bff.authorization.access_rules import AccessRules, Requirement
from bff.authorization.filtering import AuthorizedOperation, RemovedField, authorize_operation
from bff.authorization.policies import Caller, PolicyRules

__all__ = [
    "AccessRules",
    "AuthorizedOperation",
    "Caller",
    "PolicyRules",
    "RemovedField",
    "Requirement",
    "authorize_operation",
]
