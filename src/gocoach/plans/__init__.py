"""Study plans: the plan and its weeks, calendar arithmetic, and the time log."""
