"""Integrity findings: what in the data makes a figure not to be trusted, found as the data arrives."""
