"""Dossiers pushed by the one-stop information system, their history, timeliness and rating tokens."""
