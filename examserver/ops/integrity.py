"""Is everything that was signed or chained still whole?

Used after a restore (``examserver restore``) and on demand (``examserver
check``): every stored protocol's signature is checked against the keyring,
and every attempt's journal chain is recomputed. Nothing here trusts a mutable
column: a protocol is checked by its own signed bytes, a journal by its hashes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examserver.db import db
from examserver.exam.journal import verify_chain
from examserver.models import JournalEvent, Protocol
from examserver.protocols import signing

_BATCH = 2000


@dataclass
class IntegrityReport:
    """Counts of what was checked and a line for each failure."""

    protocols: int = 0
    journals: int = 0
    events: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        state = "all whole" if self.ok else f"{len(self.failures)} failure(s)"
        return (f"{self.protocols} protocol signature(s), {self.journals} journal chain(s) "
                f"({self.events} event(s)) checked: {state}")


def check_integrity(extra_keys: dict[str, Ed25519PublicKey] | None = None) -> IntegrityReport:
    """Verify every protocol signature and every journal chain in the database.

    ``extra_keys`` (fingerprint -> public key) are trusted besides the
    centre's keyring, e.g. the public keys carried by a backup.
    """
    trusted = {fp: info.public_key for fp, info in signing.keyring().items()}
    trusted.update(extra_keys or {})
    report = IntegrityReport()
    rows = db.session.execute(sa.select(Protocol.number, Protocol.record, Protocol.signature,
                                        Protocol.key_fingerprint).order_by(Protocol.id)).yield_per(_BATCH)
    for number, record, signature, fingerprint in rows:
        report.protocols += 1
        key = trusted.get(fingerprint)
        if key is None:
            report.failures.append(f"protocol {number}: signed by unknown key {fingerprint[:16]}")
        elif not signing.verify_record(record, signature, key):
            report.failures.append(f"protocol {number}: signature does not match the record")
    events = db.session.scalars(sa.select(JournalEvent).order_by(JournalEvent.attempt_id, JournalEvent.seq)
                                .execution_options(yield_per=_BATCH))
    for attempt_id, chain in groupby(events, key=lambda e: e.attempt_id):
        chain = list(chain)
        report.journals += 1
        report.events += len(chain)
        check = verify_chain(chain)
        if not check.ok:
            report.failures.append(f"attempt {attempt_id}: journal chain broken at seq {check.first_bad_seq}")
    return report
