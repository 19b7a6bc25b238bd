"""The privacy officer's audit: search, summaries, unusual-access flags, export."""
