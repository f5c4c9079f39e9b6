"""Organisation tree (unit.parent_id, unit.retired_at), contacts (user_account.phone),
campaigns (campaign; quiz.campaign_id, level_series.campaign_id)

Revision ID: 0010_org_campaigns
Revises: 0009_session_security
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_org_campaigns"
down_revision = "0009_session_security"
branch_labels = None
depends_on = None


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable integer column referencing ``target.id``, added in place.

    Batch mode would copy and rename the table on SQLite, and with foreign keys on,
    dropping the old table fails (other tables refer to it); SQLite's ADD COLUMN accepts an
    inline REFERENCES (as migration 0004 does for quiz.series_id).
    """
    name = f"fk_{table}_{column}_{target}"
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if column not in {c["name"] for c in sa.inspect(bind).get_columns(table)}:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])
    op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def _drop_reference(table: str, column: str, target: str) -> None:
    """Undo _add_reference; on SQLite the column stays (dropping it would copy the table)."""
    op.drop_index(f"ix_{table}_{column}", table_name=table)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(f"fk_{table}_{column}_{target}", table, type_="foreignkey")
        op.drop_column(table, column)


def upgrade():
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["copied_from_id"], ["campaign.id"], name=op.f("fk_campaign_copied_from_id_campaign")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_campaign_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index(op.f("ix_campaign_year"), "campaign", ["year"], unique=False)
    _add_reference("unit", "parent_id", "unit")
    op.add_column("unit", sa.Column("retired_at", sa.DateTime(), nullable=True))
    op.add_column("user_account", sa.Column("phone", sa.String(length=32), nullable=True))
    _add_reference("quiz", "campaign_id", "campaign")
    _add_reference("level_series", "campaign_id", "campaign")


def downgrade():
    _drop_reference("level_series", "campaign_id", "campaign")
    _drop_reference("quiz", "campaign_id", "campaign")
    op.drop_column("user_account", "phone")
    op.drop_column("unit", "retired_at")
    _drop_reference("unit", "parent_id", "unit")
    op.drop_index(op.f("ix_campaign_year"), table_name="campaign")
    op.drop_table("campaign")
