"""ranking boards: quiz ranking metric, board versions, display links, board index

Revision ID: 0003_boards
Revises: 1318b142c86d
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003_boards"
down_revision = "1318b142c86d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ranking_metric", sa.String(length=20), server_default="average_score", nullable=False)
        )

    op.create_table(
        "board_version",
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["quiz_id"], ["quiz.id"], name=op.f("fk_board_version_quiz_id_quiz"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("quiz_id", name=op.f("pk_board_version")),
    )
    op.create_table(
        "board_display_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("mask_names", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_board_display_link_created_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["quiz_id"], ["quiz.id"], name=op.f("fk_board_display_link_quiz_id_quiz"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_display_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_board_display_link_token_hash")),
    )
    with op.batch_alter_table("board_display_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_display_link_quiz_id"), ["quiz_id"], unique=False)

    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempt_board",
            ["quiz_id", "user_id", sa.text("score DESC"), "duration_seconds", "submitted_at", "status", "max_score"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_board")
    with op.batch_alter_table("board_display_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_display_link_quiz_id"))
    op.drop_table("board_display_link")
    op.drop_table("board_version")
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.drop_column("ranking_metric")
