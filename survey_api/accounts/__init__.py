"""Users, roles and scopes, sessions, personal API tokens and login throttling."""
