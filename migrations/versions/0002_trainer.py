"""trainer tools: audit log, pending imports, fixed-paper rules, quiz versions

Revision ID: 0002_trainer
Revises: 1318b142c86d
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002_trainer"
down_revision = "1318b142c86d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_audit_entry_actor_id_user_account"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_entry_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "pending_import",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_pending_import_owner_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_import")),
    )
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_import_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_import_expires_at"), ["expires_at"], unique=False)

    # Plain ADD COLUMN, no batch mode: batch mode on SQLite would copy and drop the
    # quiz table, and with foreign keys on, dropping it cascades into quiz_rule.
    op.add_column("quiz", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    # A soft reference (indexed, no foreign key) for the same reason.
    op.add_column("quiz", sa.Column("previous_version_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_quiz_previous_version_id"), "quiz", ["previous_version_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot ALTER constraints, but a new column may carry its REFERENCES clause.
        op.execute(
            "ALTER TABLE quiz_rule ADD COLUMN question_id INTEGER "
            "CONSTRAINT fk_quiz_rule_question_id_question REFERENCES question (id)"
        )
    else:
        op.add_column("quiz_rule", sa.Column("question_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_quiz_rule_question_id_question"), "quiz_rule", "question", ["question_id"], ["id"]
        )
    op.create_index(op.f("ix_quiz_rule_question_id"), "quiz_rule", ["question_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_quiz_rule_question_id"), table_name="quiz_rule")
    # Nothing references quiz_rule, so batch mode may copy it to drop the constrained column.
    with op.batch_alter_table("quiz_rule", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint(op.f("fk_quiz_rule_question_id_question"), type_="foreignkey")
        batch_op.drop_column("question_id")
    op.drop_index(op.f("ix_quiz_previous_version_id"), table_name="quiz")
    op.drop_column("quiz", "previous_version_id")
    op.drop_column("quiz", "version")

    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_import_expires_at"))
        batch_op.drop_index(batch_op.f("ix_pending_import_owner_id"))
    op.drop_table("pending_import")

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_target")
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_created_at"))
    op.drop_table("audit_entry")
