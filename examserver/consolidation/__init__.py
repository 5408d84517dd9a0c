"""Central consolidation of results: a centre exports its signed protocols as
one signed bundle; the authority, which trusts each centre's public keys,
verifies every signature and imports the bundle all or nothing."""
