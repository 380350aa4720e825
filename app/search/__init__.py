"""Full-text search over agenda items, decisions and document titles (``/search``).

``index`` keeps the index in step with every change (SQLite FTS5 over Swedish stems, or a
PostgreSQL ``tsvector`` with the ``swedish`` configuration); ``services`` answers queries with
only what the reader may see, deciding visibility by the rules in ``app.accounts.permissions``.
"""
