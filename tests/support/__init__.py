"""Test support: Automerge documents and protocol peers built from the real binding."""
