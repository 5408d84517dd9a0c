"""Cross-cutting services every feature uses: the audit trail, refusals
(``ServiceError`` and its HTTP statuses), rate counters in the database,
accounts and centres, and what every CLI command shares.

Services take domain objects (never ``request``), flush, write an audit entry,
and never commit: the request or CLI command commits once.
"""
