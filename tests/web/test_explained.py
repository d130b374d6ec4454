"""The linkage review's explanation of a pair, said in Persian: every level the model can
report has a Persian text, weights keep their sign with Persian digits, and what the table does
not know is shown as stored (isolated), never dropped."""

from __future__ import annotations

from gavah.casualties import comparisons, linkage
from gavah.web import explained


def test_every_comparison_and_level_of_the_model_is_in_the_table() -> None:
    for comparison in comparisons.PRIORS:
        assert comparison.name in explained.COMPARISONS
        for level in comparison.levels:
            assert level.label in explained.LEVELS, level.label


def test_a_level_with_its_weight_in_persian() -> None:
    said = str(explained.level("same date (+3.3)", "fa"))
    assert said.startswith("همان تاریخ") and '<bdi dir="ltr">+۳٫۳</bdi>' in said
    assert str(explained.level("dates differ (-2.1)", "en")) == (
        'dates differ (<bdi dir="ltr">-2.1</bdi>)'
    )
    assert "۰٫۰" in str(explained.level(f"provinces differ ({linkage._signed(-0.01)})", "fa"))


def test_the_common_name_note_in_persian() -> None:
    note = "a common name: 1 in 1,234 records of its list (-2.5)"
    said = str(explained.level(note, "fa"))
    assert "نامی رایج" in said and "۱٬۲۳۴" in said and "-۲٫۵" in said


def test_what_the_table_does_not_know_is_shown_as_stored() -> None:
    said = str(explained.level("a level from a newer model (+1.0)", "fa"))
    assert "a level from a newer model (+1.0)" in said and "<bdi" in said
    assert "<script>" not in str(explained.level("<script>x</script> (+1.0)", "fa"))
    assert str(explained.comparison("name", "fa")) == "نام"
    assert "<bdi" in str(explained.comparison("unknown comparison", "fa"))
