"""How long things are kept: access-log pruning, footage destruction, and logged policy changes."""
