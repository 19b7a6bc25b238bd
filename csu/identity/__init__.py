"""Identity: named accounts, roles, camera authorisations with expiry, login tokens."""
