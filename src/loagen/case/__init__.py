"""The case and its history: the case model, loading case files, and what changed."""
