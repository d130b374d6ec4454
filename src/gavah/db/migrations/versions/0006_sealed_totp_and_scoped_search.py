"""TOTP secrets sealed at rest; the search index rebuilt per collection

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # TOTP secrets are sealed with the workspace's accounts key (gavah.accounts.keys). A new
    # column, not a wider totp_secret: widening rebuilds the table on SQLite, and other tables
    # refer to it. The key lives in the workspace's keys/ folder, out of a migration's reach, so
    # secrets still in clear are sealed when the workspace next opens
    # (gavah.workspace._protect_account_data), and read as they are until then.
    op.add_column("account", sa.Column("totp_sealed", sa.Text(), nullable=True))
    # Rows made before held every collection's description and the item's first date in each
    # collection's row; they are made again, per collection, when the web workspace next starts
    # (gavah.search.backfill indexes every item without rows).
    op.execute("DELETE FROM search_doc")


def downgrade() -> None:
    op.drop_column("account", "totp_sealed")
