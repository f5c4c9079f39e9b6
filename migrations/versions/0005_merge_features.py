"""Merge the three feature branches (trainer tools, boards, training) into one head.

Revision ID: 0005_merge_features
Revises: 0002_trainer, 0003_boards, 0004_training
"""

revision = "0005_merge_features"
down_revision = ("0002_trainer", "0003_boards", "0004_training")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
