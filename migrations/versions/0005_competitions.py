"""Competitions: stages, tie-breaks, interviews, reserve, letters

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import examserver.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_KINDS = ("testing", "correction", "session", "appeal")
NEW_KINDS = OLD_KINDS + ("competition",)


def _protocol_kinds(kinds: tuple[str, ...]) -> None:
    """Replace the CHECK constraint of ``protocol.kind`` (a VARCHAR enum)."""
    old = OLD_KINDS if kinds == NEW_KINDS else NEW_KINDS
    with op.batch_alter_table("protocol", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.Enum(*old, name="kind", native_enum=False, create_constraint=True, length=32),
            type_=sa.Enum(*kinds, name="kind", native_enum=False, create_constraint=True, length=32),
            existing_nullable=False)


def upgrade() -> None:
    _protocol_kinds(NEW_KINDS)
    op.create_table('competition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('rule_set', sa.Enum('education', 'municipal', name='rule_set', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('applications_until', sa.Date(), nullable=False),
    sa.Column('test_date', sa.Date(), nullable=False),
    sa.Column('interview_percent', sa.Integer(), nullable=False),
    sa.Column('reserve_percent', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('announced', 'concluded', name='state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('announced_at', examserver.models.base.UTCDateTime(), nullable=False),
    sa.Column('announced_by_id', sa.Integer(), nullable=True),
    sa.Column('determined_at', examserver.models.base.UTCDateTime(), nullable=True),
    sa.Column('protocol_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['announced_by_id'], ['user_account.id'], name=op.f('fk_competition_announced_by_id_user_account')),
    sa.ForeignKeyConstraint(['centre_id'], ['centre.id'], name=op.f('fk_competition_centre_id_centre')),
    sa.ForeignKeyConstraint(['position_id'], ['position.id'], name=op.f('fk_competition_position_id_position')),
    sa.ForeignKeyConstraint(['protocol_id'], ['protocol.id'], name=op.f('fk_competition_protocol_id_protocol')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition')),
    sa.UniqueConstraint('code', name=op.f('uq_competition_code'))
    )
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_centre_id'), ['centre_id'], unique=False)

    op.create_table('competition_applicant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_at', examserver.models.base.UTCDateTime(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=False),
    sa.Column('letter_issued_at', examserver.models.base.UTCDateTime(), nullable=True),
    sa.Column('letter_language', sa.String(length=4), nullable=False),
    sa.Column('letter_result', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_applicant_competition_id_competition')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_competition_applicant_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_applicant')),
    sa.UniqueConstraint('competition_id', 'participant_id', name=op.f('uq_competition_applicant_competition_id_participant_id'))
    )
    with op.batch_alter_table('competition_applicant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_applicant_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competition_applicant_participant_id'), ['participant_id'], unique=False)

    op.create_table('competition_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('tie_resolved', 'declined', 'runner_up_offered', 'new_competition', 'new_vote', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', examserver.models.base.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_decision_competition_id_competition')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_competition_decision_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_competition_decision_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_decision'))
    )
    with op.batch_alter_table('competition_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_decision_competition_id'), ['competition_id'], unique=False)

    op.create_table('competition_reserve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('place', sa.Integer(), nullable=False),
    sa.Column('total_points', sa.Integer(), nullable=False),
    sa.Column('max_points', sa.Integer(), nullable=False),
    sa.Column('protocol_number', sa.String(length=40), nullable=False),
    sa.Column('created_at', examserver.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_reserve_competition_id_competition')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_competition_reserve_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_reserve')),
    sa.UniqueConstraint('competition_id', 'participant_id', name=op.f('uq_competition_reserve_competition_id_participant_id'))
    )
    with op.batch_alter_table('competition_reserve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_reserve_competition_id'), ['competition_id'], unique=False)

    op.create_table('competition_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('linked_at', examserver.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_session_competition_id_competition')),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], name=op.f('fk_competition_session_session_id_exam_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_session')),
    sa.UniqueConstraint('competition_id', 'session_id', name=op.f('uq_competition_session_competition_id_session_id'))
    )
    with op.batch_alter_table('competition_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_session_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competition_session_session_id'), ['session_id'], unique=False)

    op.create_table('competition_tiebreak',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('blueprint_id', sa.Integer(), nullable=False),
    sa.Column('main_question_count', sa.Integer(), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('scheduled_at', examserver.models.base.UTCDateTime(), nullable=False),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['blueprint_id'], ['exam_blueprint.id'], name=op.f('fk_competition_tiebreak_blueprint_id_exam_blueprint')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_tiebreak_competition_id_competition')),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['user_account.id'], name=op.f('fk_competition_tiebreak_scheduled_by_id_user_account')),
    sa.ForeignKeyConstraint(['session_id'], ['exam_session.id'], name=op.f('fk_competition_tiebreak_session_id_exam_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_tiebreak'))
    )
    with op.batch_alter_table('competition_tiebreak', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_tiebreak_competition_id'), ['competition_id'], unique=False)

    op.create_table('competition_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('member_name', sa.String(length=200), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('recorded_at', examserver.models.base.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_vote_competition_id_competition')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_competition_vote_participant_id_participant')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_competition_vote_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_vote')),
    sa.UniqueConstraint('competition_id', 'round', 'member_name', name=op.f('uq_competition_vote_competition_id_round_member_name'))
    )
    with op.batch_alter_table('competition_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_vote_competition_id'), ['competition_id'], unique=False)

    op.create_table('competition_tiebreak_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tiebreak_id', sa.Integer(), nullable=False),
    sa.Column('main_participant_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('seen_items', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['main_participant_id'], ['participant.id'], name=op.f('fk_competition_tiebreak_entry_main_participant_id_participant')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_competition_tiebreak_entry_participant_id_participant')),
    sa.ForeignKeyConstraint(['tiebreak_id'], ['competition_tiebreak.id'], name=op.f('fk_competition_tiebreak_entry_tiebreak_id_competition_tiebreak')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_tiebreak_entry')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_competition_tiebreak_entry_participant_id'))
    )
    with op.batch_alter_table('competition_tiebreak_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_tiebreak_entry_tiebreak_id'), ['tiebreak_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('competition_tiebreak_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_tiebreak_entry_tiebreak_id'))

    op.drop_table('competition_tiebreak_entry')
    with op.batch_alter_table('competition_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_vote_competition_id'))

    op.drop_table('competition_vote')
    with op.batch_alter_table('competition_tiebreak', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_tiebreak_competition_id'))

    op.drop_table('competition_tiebreak')
    with op.batch_alter_table('competition_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_session_session_id'))
        batch_op.drop_index(batch_op.f('ix_competition_session_competition_id'))

    op.drop_table('competition_session')
    with op.batch_alter_table('competition_reserve', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_reserve_competition_id'))

    op.drop_table('competition_reserve')
    with op.batch_alter_table('competition_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_decision_competition_id'))

    op.drop_table('competition_decision')
    with op.batch_alter_table('competition_applicant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_applicant_participant_id'))
        batch_op.drop_index(batch_op.f('ix_competition_applicant_competition_id'))

    op.drop_table('competition_applicant')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_centre_id'))

    op.drop_table('competition')
    _protocol_kinds(OLD_KINDS)
