"""The web app (the built PWA in client/dist), served from the same origin as /api and /sync."""
