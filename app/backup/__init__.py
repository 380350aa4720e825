"""Backup and restore: the whole installation (database and stored files) in one archive."""
