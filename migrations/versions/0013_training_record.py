"""Offline sessions (training_session, session_attendance), yearly requirements
(training_requirement, seeded with the defaults from the law), record corrections
(training_correction) and user_account.position (岗位类别)

Revision ID: 0013_training_record
Revises: 0012_learning
Create Date: 2026-12-02 17:55:34.807421

"""
from alembic import op
import sqlalchemy as sa
from datetime import datetime, timezone


# revision identifiers, used by Alembic.
revision = '0013_training_record'
down_revision = '0012_learning'
branch_labels = None
depends_on = None

#: The defaults from the law (an admin changes them on the requirements page). The kinds of a
#: 公众聚集场所 are the unit kinds the bureau's venues use.
PUBLIC_VENUE_KINDS = ["场馆", "景区", "博物馆", "图书馆", "剧院", "文化馆", "公众聚集场所"]
DEFAULT_REQUIREMENTS = [
    dict(name="消防安全培训（每年至少一次）", metric="count", required=1, category="消防安全",
         positions=[], unit_kinds=[], basis="《消防法》第十六条；公安部令第61号第三十六条"),
    dict(name="消防安全培训（公众聚集场所每半年一次）", metric="count", required=2, category="消防安全",
         positions=[], unit_kinds=PUBLIC_VENUE_KINDS, basis="公安部令第61号第三十六条"),
    dict(name="主要负责人年度再培训", metric="hours", required=12, category="",
         positions=["主要负责人"], unit_kinds=[], basis="《生产经营单位安全培训规定》第九条"),
    dict(name="安全生产管理人员年度再培训", metric="hours", required=12, category="",
         positions=["安全生产管理人员"], unit_kinds=[], basis="《生产经营单位安全培训规定》第九条"),
]


def upgrade():
    op.create_table('training_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('metric', sa.String(length=10), nullable=False),
    sa.Column('required', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('positions', sa.JSON(), nullable=False),
    sa.Column('unit_kinds', sa.JSON(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_requirement'))
    )
    op.create_table('training_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('entry_kind', sa.String(length=10), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('entry_date', sa.DateTime(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=True),
    sa.Column('result', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_training_correction_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_training_correction_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_correction'))
    )
    with op.batch_alter_table('training_correction', schema=None) as batch_op:
        batch_op.create_index('ix_training_correction_user_year', ['user_id', 'year'], unique=False)

    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('teacher', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('checkin_secret', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_training_session_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_training_session_quiz_id_quiz')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session'))
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('session_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_session_attendance_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_session_attendance_session_id_training_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_session_attendance_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_session_attendance_session_user')
    )
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_attendance_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_attendance_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.String(length=20), nullable=True))


    requirement = sa.table(
        'training_requirement',
        sa.column('name', sa.String), sa.column('metric', sa.String), sa.column('required', sa.Numeric),
        sa.column('category', sa.String), sa.column('positions', sa.JSON), sa.column('unit_kinds', sa.JSON),
        sa.column('basis', sa.String), sa.column('is_active', sa.Boolean), sa.column('position', sa.Integer),
        sa.column('created_at', sa.DateTime), sa.column('updated_at', sa.DateTime),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(requirement, [
        dict(row, is_active=True, position=index, created_at=now, updated_at=now)
        for index, row in enumerate(DEFAULT_REQUIREMENTS, start=1)
    ])


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('position')

    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_session_attendance_session_id'))

    op.drop_table('session_attendance')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_training_session_quiz_id'))

    op.drop_table('training_session')
    with op.batch_alter_table('training_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_training_correction_user_year')

    op.drop_table('training_correction')
    op.drop_table('training_requirement')
