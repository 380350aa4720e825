"""Email notices to subscribers: new kallelser and published records of a body."""
