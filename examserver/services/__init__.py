"""The service layer: domain operations used by the kiosk, the admin console and the CLI.

Services take domain objects (never ``request``), flush, write an audit entry,
and never commit: the request or CLI command commits once.
"""
