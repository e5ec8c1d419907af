"""The checklist data: seven items in order, C1's ten questions, four delivery practices."""

from __future__ import annotations

import pytest

from deescalate.checklist import DELIVERY, ITEM_IDS, load_checklist


def test_checklist_has_c1_to_c7_in_order() -> None:
    checklist = load_checklist()
    assert [item.id for item in checklist.items] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
    assert ITEM_IDS == ("C1", "C2", "C3", "C4", "C5", "C6", "C7")


def test_checklist_items_have_titles_and_descriptions() -> None:
    for item in load_checklist().items:
        assert item.title.strip(), item.id
        assert len(item.description) > 40, item.id
        assert "\n" not in item.title


def test_checklist_c1_has_ten_questions() -> None:
    questions = load_checklist().item("C1").questions
    assert len(questions) == 10
    assert len(set(questions)) == 10
    assert all(q.endswith("?") for q in questions)
    assert "Are there weapons at the scene?" in questions


def test_checklist_delivery_has_four_practices() -> None:
    checklist = load_checklist()
    assert checklist.delivery.id == DELIVERY
    assert checklist.delivery.practices == (
        "Remain calm",
        "Keep a non-aggressive posture",
        "Speak slowly with an empathetic tone",
        "Use short and simple phrases",
    )


def test_checklist_title_looks_up_items_and_delivery() -> None:
    checklist = load_checklist()
    assert checklist.title("C4") == "Treat people with equity and dignity"
    assert checklist.title(DELIVERY) == "Delivery"
    with pytest.raises(KeyError):
        checklist.item("C8")


def test_checklist_is_loaded_once() -> None:
    assert load_checklist() is load_checklist()
