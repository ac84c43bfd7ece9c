"""What sums up the other features: weekly reports, milestones, today's agenda, dashboard,
activity, calendar export.
"""
