"""Clinician review: sign-offs (the review-log section) and the digest of changes since one."""
