"""Exercise scenarios: timed scripts of alarms, camera events and injects with the actions the
crisis cell is expected to take; read, checked, scheduled and played (docs/scenarios.md)."""
