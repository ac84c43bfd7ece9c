"""Teams: accounts, roles, cohorts and mentors (server mode)."""
