"""Database fixtures: the ledger on SQLite and on a real PostgreSQL server (owned by the ledger work)."""
