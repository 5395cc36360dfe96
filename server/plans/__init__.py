"""Plans: their documents and audiences, members and roles, invites, and who wrote what."""
