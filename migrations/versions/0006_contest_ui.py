"""contest UI: 标记 (marks) kept with the attempt, and the quiz's default page layout

Revision ID: 0006_contest_ui
Revises: 0005_merge_features
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_contest_ui"
down_revision = "0005_merge_features"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempt_question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_marked", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_mode", sa.String(length=16), server_default="list", nullable=False))


def downgrade():
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.drop_column("display_mode")
    with op.batch_alter_table("attempt_question", schema=None) as batch_op:
        batch_op.drop_column("is_marked")
