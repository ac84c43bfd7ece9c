"""Backup and restore of every user table."""
