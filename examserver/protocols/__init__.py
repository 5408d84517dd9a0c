"""Signed results: the centre's Ed25519 keys, canonical protocol records,
numbering and issue, their printed texts and PDFs, offline verification,
retention, and the ``keys``/``verify``/``protocol``/``purge`` commands."""
