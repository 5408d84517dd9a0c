"""The item bank's stamp (migration 0012): one value a trigger renews on every write to ``bank_item``."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from examserver.models.base import Base


class BankStamp(Base):
    """One row (id 1) whose ``value`` a database trigger replaces by a fresh random
    number whenever a ``bank_item`` row is inserted, updated or deleted (in the
    writing transaction). Equal stamps: the bank's items are as they were
    (``exam/predraw`` keeps the item states it checked under a stamp). No row:
    unknown, check the bank."""

    __tablename__ = "bank_stamp"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger)
