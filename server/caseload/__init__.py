"""A clinician's caseload: the plans they review, in figures."""
