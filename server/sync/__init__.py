"""The automerge-repo WebSocket protocol: wire messages, codec, documents, peers and the hub."""
