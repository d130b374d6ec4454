"""verification: sources and their grades, incidents, claims, assessments, reviews

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _who(at: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(at, sa.DateTime(timezone=True), nullable=False),
    ]


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "verify_source",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("collection", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=False),
        *_who("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_source")),
    )
    _index("verify_source", "collection")
    op.create_table(
        "verify_source_grade",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["verify_source.id"],
            name=op.f("fk_verify_source_grade_source_id_verify_source"),
        ),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_verify_source_grade")),
    )
    _index("verify_source_grade", "source_id")
    op.create_table(
        "verify_source_relation",
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("other_id", sa.String(length=80), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_who("at"),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["verify_source.id"],
            name=op.f("fk_verify_source_relation_other_id_verify_source"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["verify_source.id"],
            name=op.f("fk_verify_source_relation_source_id_verify_source"),
        ),
        sa.PrimaryKeyConstraint("source_id", "other_id", name=op.f("pk_verify_source_relation")),
    )
    op.create_table(
        "verify_incident",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("collection", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("province", sa.String(length=80), nullable=True),
        sa.Column("localities", sa.Text(), nullable=False),
        sa.Column("place_precision", sa.String(length=20), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_original", sa.Text(), nullable=True),
        sa.Column("date_calendar", sa.String(length=20), nullable=True),
        sa.Column("date_precision", sa.String(length=10), nullable=True),
        sa.Column("killed_min", sa.Integer(), nullable=True),
        sa.Column("killed_max", sa.Integer(), nullable=True),
        sa.Column("injured_min", sa.Integer(), nullable=True),
        sa.Column("injured_max", sa.Integer(), nullable=True),
        *_who("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_incident")),
    )
    _index("verify_incident", "collection")
    op.create_table(
        "verify_claim",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("collection", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        *_who("created_at"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["verify_incident.id"],
            name=op.f("fk_verify_claim_incident_id_verify_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_claim")),
    )
    _index("verify_claim", "collection")
    _index("verify_claim", "incident_id")
    op.create_table(
        "verify_claim_link",
        sa.Column("claim_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        *_who("at"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["verify_claim.id"],
            name=op.f("fk_verify_claim_link_claim_id_verify_claim"),
        ),
        sa.PrimaryKeyConstraint("claim_id", "kind", "target", name=op.f("pk_verify_claim_link")),
    )
    op.create_table(
        "verify_assessment",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("claim_id", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("evidence_id", sa.String(length=40), nullable=True),
        sa.Column("stance", sa.String(length=20), nullable=False),
        sa.Column("credibility", sa.Integer(), nullable=False),
        sa.Column("source_analysis", sa.Text(), nullable=True),
        sa.Column("technical_analysis", sa.Text(), nullable=True),
        sa.Column("content_analysis", sa.Text(), nullable=True),
        *_who("at"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["verify_claim.id"],
            name=op.f("fk_verify_assessment_claim_id_verify_claim"),
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_verify_assessment_evidence_id_evidence"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["verify_source.id"],
            name=op.f("fk_verify_assessment_source_id_verify_source"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_assessment")),
    )
    _index("verify_assessment", "claim_id")
    _index("verify_assessment", "source_id")
    op.create_table(
        "verify_review",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("assessment_id", sa.String(length=80), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["verify_assessment.id"],
            name=op.f("fk_verify_review_assessment_id_verify_assessment"),
        ),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_verify_review")),
    )
    _index("verify_review", "assessment_id")


def downgrade() -> None:
    for table in (
        "verify_review",
        "verify_assessment",
        "verify_claim_link",
        "verify_claim",
        "verify_incident",
        "verify_source_relation",
        "verify_source_grade",
        "verify_source",
    ):
        op.drop_table(table)
