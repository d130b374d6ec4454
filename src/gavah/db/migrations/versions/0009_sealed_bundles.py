"""sealed evidence bundles: one row per bundle opened, so opening it again changes nothing

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bundle_opening",
        sa.Column("bundle_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("signer", sa.String(length=64), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", "scope", name=op.f("pk_bundle_opening")),
    )


def downgrade() -> None:
    op.drop_table("bundle_opening")
