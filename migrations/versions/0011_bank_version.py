"""The question bank's version (question_bank_version): the draw caches its candidate pools per version

Revision ID: 0011_bank_version
Revises: 0010_org_campaigns
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = "0011_bank_version"
down_revision = "0010_org_campaigns"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "question_bank_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_bank_version")),
    )


def downgrade():
    op.drop_table("question_bank_version")
