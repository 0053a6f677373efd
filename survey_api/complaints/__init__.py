"""Complaints about staff conduct, flags in the inbox, deadlines, escalation and notifications."""
