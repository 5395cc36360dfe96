"""Web Push notifications (issue 13, item 4): opt-in, generic, deduplicated."""
