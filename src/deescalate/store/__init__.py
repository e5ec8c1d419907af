"""The records store: calls for service, premises, persons, caution flags (SQLAlchemy; SQLite or PostgreSQL)."""
