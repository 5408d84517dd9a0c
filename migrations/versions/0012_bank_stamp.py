"""A stamp of the item bank that changes with every write to it

The start of an attempt takes the form drawn at code issue only if each of
its item versions is still the latest one and approved (``exam/predraw``).
Checking that against the bank at every start was a third of a hall's start
(issue 15, B1). ``bank_stamp`` holds one value that a trigger replaces by a
fresh random 63-bit number on every INSERT, UPDATE or DELETE of
``bank_item``, in the same transaction, whatever makes the change (the
console, an import, the CLI, plain SQL): a worker that checked an item's
state under one stamp knows the answer still holds while the stamp is the
same. A random value rather than a counter: a table emptied and filled again
(tests truncate every table) never comes back to a value seen before. No row
(an emptied table) means "unknown": the start checks the bank as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table("bank_stamp",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("value", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_stamp")))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO bank_stamp (id, value) VALUES (1, random())")
        for event in SQLITE_EVENTS:
            op.execute(f"CREATE TRIGGER bank_item_stamp_{event.lower()} AFTER {event} ON bank_item "
                       "BEGIN INSERT OR REPLACE INTO bank_stamp (id, value) VALUES (1, random()); END")
        return
    op.execute("INSERT INTO bank_stamp (id, value) VALUES (1, floor(random() * 9223372036854775807)::bigint)")
    op.execute("""
        CREATE FUNCTION bank_stamp_renew() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO bank_stamp (id, value) VALUES (1, floor(random() * 9223372036854775807)::bigint)
            ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER bank_item_stamp AFTER INSERT OR UPDATE OR DELETE ON bank_item "
               "FOR EACH STATEMENT EXECUTE FUNCTION bank_stamp_renew()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER bank_item_stamp_{event.lower()}")
    else:
        op.execute("DROP TRIGGER bank_item_stamp ON bank_item")
        op.execute("DROP FUNCTION bank_stamp_renew()")
    op.drop_table("bank_stamp")
