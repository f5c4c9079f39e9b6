"""题库体检: trainers' additions to the superseded-editions table

Revision ID: 0008_bank_editions
Revises: 0007_import_mapping
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_bank_editions"
down_revision = "0007_import_mapping"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "superseded_edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.String(length=200), nullable=False),
        sa.Column("current", sa.String(length=200), nullable=False),
        sa.Column("effective", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_superseded_edition_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_superseded_edition")),
        sa.UniqueConstraint("superseded", name=op.f("uq_superseded_edition_superseded")),
    )


def downgrade():
    op.drop_table("superseded_edition")
