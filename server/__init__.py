"""Sync server: a Litestar app that merges, stores and relays Automerge safety-plan documents."""
