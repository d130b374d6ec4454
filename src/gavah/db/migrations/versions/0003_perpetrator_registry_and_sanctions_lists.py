"""perpetrator registry and sanctions lists

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_judgement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("left", sa.String(length=200), nullable=False),
        sa.Column("right", sa.String(length=200), nullable=False),
        sa.Column("judgement", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_judgement")),
    )
    with op.batch_alter_table("match_judgement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_judgement_left"), ["left"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_judgement_right"), ["right"], unique=False)

    op.create_table(
        "registry_entity",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("schema", sa.String(length=40), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_entity")),
    )
    with op.batch_alter_table("registry_entity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_entity_schema"), ["schema"], unique=False)

    op.create_table(
        "sanctions_list",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sanctions_list")),
    )
    op.create_table(
        "registry_statement",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("schema", sa.String(length=40), nullable=False),
        sa.Column("prop", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("original_value", sa.Text(), nullable=True),
        sa.Column("lang", sa.String(length=10), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["registry_entity.id"],
            name=op.f("fk_registry_statement_entity_id_registry_entity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_statement")),
    )
    with op.batch_alter_table("registry_statement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_statement_entity_id"), ["entity_id"], unique=False
        )

    op.create_table(
        "sanctions_snapshot",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("entries_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_name"],
            ["sanctions_list.name"],
            name=op.f("fk_sanctions_snapshot_list_name_sanctions_list"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions_snapshot")),
        sa.UniqueConstraint("list_name", "digest", name=op.f("uq_sanctions_snapshot_list_name")),
    )
    with op.batch_alter_table("sanctions_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sanctions_snapshot_list_name"), ["list_name"], unique=False
        )

    op.create_table(
        "sanctions_entry",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("schema", sa.String(length=40), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("programs", sa.Text(), nullable=False),
        sa.Column("listed_on", sa.String(length=10), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["sanctions_snapshot.id"],
            name=op.f("fk_sanctions_entry_snapshot_id_sanctions_snapshot"),
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "source_id", name=op.f("pk_sanctions_entry")),
    )


def downgrade() -> None:
    op.drop_table("sanctions_entry")
    with op.batch_alter_table("sanctions_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanctions_snapshot_list_name"))

    op.drop_table("sanctions_snapshot")
    with op.batch_alter_table("registry_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_statement_entity_id"))

    op.drop_table("registry_statement")
    op.drop_table("sanctions_list")
    with op.batch_alter_table("registry_entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_entity_schema"))

    op.drop_table("registry_entity")
    with op.batch_alter_table("match_judgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_judgement_right"))
        batch_op.drop_index(batch_op.f("ix_match_judgement_left"))

    op.drop_table("match_judgement")
