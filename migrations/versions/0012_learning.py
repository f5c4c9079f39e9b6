"""Online learning: courses (course, course_item, course_file), progress (course_progress)
and credited 学时 (course_completion)

Revision ID: 0012_learning
Revises: 0011_bank_version
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_learning'
down_revision = '0011_bank_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=True),
    sa.Column('closes_at', sa.DateTime(), nullable=True),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_course_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_course_quiz_id_quiz')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course'))
    )
    op.create_index(op.f('ix_course_is_published'), 'course', ['is_published'], unique=False)
    op.create_index(op.f('ix_course_quiz_id'), 'course', ['quiz_id'], unique=False)

    op.create_table('course_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_course_completion_attempt_id_attempt')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_completion_course_id_course')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_course_completion_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_completion')),
    sa.UniqueConstraint('user_id', 'course_id', name='uq_course_completion_user_course')
    )
    op.create_index(op.f('ix_course_completion_course_id'), 'course_completion', ['course_id'], unique=False)
    op.create_index('ix_course_completion_user_year', 'course_completion', ['user_id', 'year'], unique=False)

    op.create_table('course_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('mime_type', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('duration_seconds', sa.Double(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_file_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_course_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_file')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_course_file_stored_name'))
    )
    op.create_index(op.f('ix_course_file_course_id'), 'course_file', ['course_id'], unique=False)

    op.create_table('course_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('case_events', sa.Text(), nullable=False),
    sa.Column('case_causes', sa.Text(), nullable=False),
    sa.Column('case_lessons', sa.Text(), nullable=False),
    sa.Column('case_rules', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('required_seconds', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_item_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['course_file.id'], name=op.f('fk_course_item_file_id_course_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_item'))
    )
    op.create_index('ix_course_item_course_position', 'course_item', ['course_id', 'position'], unique=False)
    op.create_index(op.f('ix_course_item_file_id'), 'course_item', ['file_id'], unique=False)

    op.create_table('course_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seconds_spent', sa.Integer(), nullable=False),
    sa.Column('watched_ranges', sa.JSON(), nullable=False),
    sa.Column('watched_seconds', sa.Double(), nullable=False),
    sa.Column('last_beat_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['course_item.id'], name=op.f('fk_course_progress_item_id_course_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_course_progress_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_progress')),
    sa.UniqueConstraint('user_id', 'item_id', name='uq_course_progress_user_item')
    )
    op.create_index(op.f('ix_course_progress_item_id'), 'course_progress', ['item_id'], unique=False)
    op.create_index(op.f('ix_course_progress_user_id'), 'course_progress', ['user_id'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_course_progress_user_id'), table_name='course_progress')
    op.drop_index(op.f('ix_course_progress_item_id'), table_name='course_progress')

    op.drop_table('course_progress')
    op.drop_index(op.f('ix_course_item_file_id'), table_name='course_item')
    op.drop_index('ix_course_item_course_position', table_name='course_item')

    op.drop_table('course_item')
    op.drop_index(op.f('ix_course_file_course_id'), table_name='course_file')

    op.drop_table('course_file')
    op.drop_index('ix_course_completion_user_year', table_name='course_completion')
    op.drop_index(op.f('ix_course_completion_course_id'), table_name='course_completion')

    op.drop_table('course_completion')
    op.drop_index(op.f('ix_course_quiz_id'), table_name='course')
    op.drop_index(op.f('ix_course_is_published'), table_name='course')

    op.drop_table('course')
