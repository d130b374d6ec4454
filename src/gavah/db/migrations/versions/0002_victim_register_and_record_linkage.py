"""victim register and record linkage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "linkage_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("left_id", sa.String(length=100), nullable=False),
        sa.Column("right_id", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_decision")),
    )
    with op.batch_alter_table("linkage_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_decision_left_id"), ["left_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_linkage_decision_right_id"), ["right_id"], unique=False
        )

    op.create_table(
        "linkage_run",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lists", sa.Text(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("pair_count", sa.Integer(), nullable=False),
        sa.Column("pairs_sha256", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_run")),
    )
    op.create_table(
        "linkage_pair",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("left_id", sa.String(length=100), nullable=False),
        sa.Column("right_id", sa.String(length=100), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("levels", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_pair_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "left_id", "right_id", name=op.f("pk_linkage_pair")),
    )
    op.create_table(
        "victim_list",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("evidence_id", sa.String(length=40), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("records_sha256", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_victim_list_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_list")),
    )
    op.create_table(
        "victim_record",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("list_id", sa.String(length=80), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("name_fa", sa.Text(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("age_group", sa.String(length=40), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_original", sa.Text(), nullable=True),
        sa.Column("date_calendar", sa.String(length=20), nullable=True),
        sa.Column("date_precision", sa.String(length=10), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("province", sa.Text(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("circumstances", sa.Text(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"], ["victim_list.id"], name=op.f("fk_victim_record_list_id_victim_list")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_record")),
    )
    with op.batch_alter_table("victim_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_victim_record_list_id"), ["list_id"], unique=False)

    op.create_table(
        "victim_record_link",
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["victim_record.id"],
            name=op.f("fk_victim_record_link_record_id_victim_record"),
        ),
        sa.PrimaryKeyConstraint("record_id", "kind", "target", name=op.f("pk_victim_record_link")),
    )


def downgrade() -> None:

    op.drop_table("victim_record_link")
    with op.batch_alter_table("victim_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_record_list_id"))

    op.drop_table("victim_record")
    op.drop_table("victim_list")
    op.drop_table("linkage_pair")
    op.drop_table("linkage_run")
    with op.batch_alter_table("linkage_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_decision_right_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_decision_left_id"))

    op.drop_table("linkage_decision")
