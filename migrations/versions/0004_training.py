"""training: practice, answer log, wrong-answer notebook, level series, certificates

Revision ID: 0004_training
Revises: 1318b142c86d
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_training"
down_revision = "1318b142c86d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "level_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_level_series_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_series")),
    )

    op.create_table(
        "notebook_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("wrong_count", sa.Integer(), nullable=False),
        sa.Column("right_streak", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("last_wrong_at", sa.DateTime(), nullable=False),
        sa.Column("last_wrong_source", sa.String(length=16), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], name=op.f("fk_notebook_entry_question_id_question")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_notebook_entry_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notebook_entry")),
        sa.UniqueConstraint("user_id", "question_id", name="uq_notebook_entry_user_question"),
    )
    op.create_index("ix_notebook_entry_user_active", "notebook_entry", ["user_id", "is_active"], unique=False)

    op.create_table(
        "practice_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("answered_count", sa.Integer(), nullable=False),
        sa.Column("correct_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], name=op.f("fk_practice_session_category_id_category")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_practice_session_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_session")),
    )
    op.create_index("ix_practice_session_user_finished", "practice_session", ["user_id", "finished_at"], unique=False)

    op.create_table(
        "practice_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("selected", sa.JSON(), nullable=True),
        sa.Column("is_correct", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], name=op.f("fk_practice_item_question_id_question")),
        sa.ForeignKeyConstraint(["session_id"], ["practice_session.id"],
                                name=op.f("fk_practice_item_session_id_practice_session"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_item")),
        sa.UniqueConstraint("session_id", "position", name="uq_practice_item_session_position"),
        sa.UniqueConstraint("session_id", "question_id", name="uq_practice_item_session_question"),
    )

    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("quiz_title", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("max_score", sa.Double(), nullable=False),
        sa.Column("passed_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"], name=op.f("fk_certificate_attempt_id_attempt")),
        sa.ForeignKeyConstraint(["quiz_id"], ["quiz.id"], name=op.f("fk_certificate_quiz_id_quiz")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_certificate_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_certificate_attempt_id")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_code")),
    )
    op.create_index(op.f("ix_certificate_user_id"), "certificate", ["user_id"], unique=False)

    op.create_table(
        "harvested_attempt",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("harvested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"], name=op.f("fk_harvested_attempt_attempt_id_attempt"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_harvested_attempt")),
    )

    op.create_table(
        "training_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempt.id"], name=op.f("fk_training_answer_attempt_id_attempt"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], name=op.f("fk_training_answer_category_id_category")),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], name=op.f("fk_training_answer_question_id_question")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_training_answer_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_answer")),
    )
    op.create_index(op.f("ix_training_answer_attempt_id"), "training_answer", ["attempt_id"], unique=False)
    op.create_index("ix_training_answer_user_category_time", "training_answer",
                    ["user_id", "category_id", "answered_at"], unique=False)

    # New columns on quiz are added in place.  Batch mode would copy and rename quiz on
    # SQLite, and with foreign keys on, dropping the old table fails (attempts refer to it)
    # or cascades into quiz_rule.  SQLite's ADD COLUMN accepts an inline REFERENCES.
    op.add_column("quiz", sa.Column("kind", sa.String(length=16), server_default="contest", nullable=False))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # a downgrade on SQLite leaves the column in place (see downgrade)
        if "series_id" not in {column["name"] for column in sa.inspect(bind).get_columns("quiz")}:
            op.execute("ALTER TABLE quiz ADD COLUMN series_id INTEGER "
                       "CONSTRAINT fk_quiz_series_id_level_series REFERENCES level_series (id)")
    else:
        op.add_column("quiz", sa.Column("series_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_quiz_series_id_level_series"), "quiz", "level_series", ["series_id"], ["id"])
    op.add_column("quiz", sa.Column("position", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_quiz_kind"), "quiz", ["kind"], unique=False)
    op.create_index(op.f("ix_quiz_series_id"), "quiz", ["series_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_quiz_series_id"), table_name="quiz")
    op.drop_index(op.f("ix_quiz_kind"), table_name="quiz")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_quiz_series_id_level_series"), "quiz", type_="foreignkey")
        op.drop_column("quiz", "series_id")
    # SQLite cannot drop a column that has a foreign key without copying the table (see
    # upgrade); quiz.series_id stays there, unused and NULL-able.
    op.drop_column("quiz", "position")
    op.drop_column("quiz", "kind")

    op.drop_index("ix_training_answer_user_category_time", table_name="training_answer")
    op.drop_index(op.f("ix_training_answer_attempt_id"), table_name="training_answer")
    op.drop_table("training_answer")
    op.drop_table("harvested_attempt")
    op.drop_index(op.f("ix_certificate_user_id"), table_name="certificate")
    op.drop_table("certificate")
    op.drop_table("practice_item")
    op.drop_index("ix_practice_session_user_finished", table_name="practice_session")
    op.drop_table("practice_session")
    op.drop_index("ix_notebook_entry_user_active", table_name="notebook_entry")
    op.drop_table("notebook_entry")
    op.drop_table("level_series")
