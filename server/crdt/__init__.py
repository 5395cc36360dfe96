"""Automerge documents read and written for the server: the binding, changes, patches, chunks.

Knows nothing of peers, plans or storage: the sync protocol (`server/sync/`) and the
features (plans, review, rights) both build on it.
"""
