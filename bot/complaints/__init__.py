"""Complaints: recorded with a ticket number and deadlines, escalated by rule, answered.

``rules`` is pure (categories, statuses, deadlines, escalation); ``store`` writes complaints and
their history in the database.
"""
