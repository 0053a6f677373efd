"""Who did what, and when: status changes, views of personal data, escalations."""
