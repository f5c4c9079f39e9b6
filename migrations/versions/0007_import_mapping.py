"""question import: remembered column mappings, the uploaded file kept for the mapping step

Revision ID: 0007_import_mapping
Revises: 0006_contest_ui
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_import_mapping"
down_revision = "0006_contest_ui"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"], name=op.f("fk_import_mapping_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mapping")),
        sa.UniqueConstraint("signature", name=op.f("uq_import_mapping_signature")),
    )
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.drop_column("source")
    op.drop_table("import_mapping")
