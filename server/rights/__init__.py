"""A person's rights over their data: export (access, portability) and account deletion."""
