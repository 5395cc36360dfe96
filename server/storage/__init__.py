"""Persistence ports and their adapters (SQLite on aiosqlite, and an in-memory fake)."""
