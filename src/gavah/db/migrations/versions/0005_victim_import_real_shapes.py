"""victim import of real published lists: age intervals, status, name parts, list counts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# All nullable: records and lists imported before keep NULL, which the digests their import
# entries logged leave out (gavah.casualties.register.record_summary), so they still verify.
_RECORD_COLUMNS = (
    ("age_min", sa.Integer()),
    ("age_max", sa.Integer()),
    ("status", sa.Text()),
    ("given_name", sa.Text()),
    ("family_name", sa.Text()),
)
_LIST_COLUMNS = (
    ("status_filter", sa.Text()),
    ("left_out_count", sa.Integer()),
    ("rejected_count", sa.Integer()),
)


def upgrade() -> None:
    # ADD COLUMN of a nullable column needs no table rebuild on SQLite or PostgreSQL.
    for name, type_ in _RECORD_COLUMNS:
        op.add_column("victim_record", sa.Column(name, type_, nullable=True))
    for name, type_ in _LIST_COLUMNS:
        op.add_column("victim_list", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    # SQLite drops columns only by rebuilding the table: batch mode does that there.
    with op.batch_alter_table("victim_list") as batch_op:
        for name, _ in reversed(_LIST_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("victim_record") as batch_op:
        for name, _ in reversed(_RECORD_COLUMNS):
            batch_op.drop_column(name)
