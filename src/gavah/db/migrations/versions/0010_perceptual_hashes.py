"""perceptual hashes: PDQ of images and of sampled video frames, for near-duplicates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "perceptual_hash",
        sa.Column("evidence_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_perceptual_hash_evidence_id_evidence"),
        ),
        sa.PrimaryKeyConstraint("evidence_id", "seq", name=op.f("pk_perceptual_hash")),
    )


def downgrade() -> None:
    op.drop_table("perceptual_hash")
