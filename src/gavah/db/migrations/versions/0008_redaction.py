"""redaction: boxes per item and the derivatives made for publication

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redaction",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evidence_id", sa.String(length=40), nullable=False),
        sa.Column("boxes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("derivative_sha256", sa.String(length=64), nullable=True),
        sa.Column("commitment_nonce", sa.LargeBinary(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_redaction_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction")),
        sa.UniqueConstraint("evidence_id", name=op.f("uq_redaction_evidence_id")),
    )
    op.create_table(
        "derivative",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("redaction_id", sa.String(length=40), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("recipe", sa.Text(), nullable=False),
        sa.Column("boxes_version", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["redaction_id"], ["redaction.id"], name=op.f("fk_derivative_redaction_id_redaction")
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_derivative")),
    )
    with op.batch_alter_table("derivative", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_derivative_redaction_id"), ["redaction_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("derivative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_derivative_redaction_id"))
    op.drop_table("derivative")
    op.drop_table("redaction")
