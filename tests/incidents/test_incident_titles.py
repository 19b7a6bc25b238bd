"""A new incident's title and checklist, in the language it is opened in."""

from __future__ import annotations

from datetime import UTC, datetime

from incidents.records import AlarmRow
from incidents.store import new_incident

AT = datetime(2025, 3, 14, 21, 4, tzinfo=UTC)


def row(type_: str = "lighting.lamp_off", description: str = "Lampe 4417") -> AlarmRow:
    """A stored alarm as the engine holds it."""
    return AlarmRow(
        source="hypervisor", external_id="L-1", type=type_, severity="low", status="active",
        occurred_at=AT, received_at=AT, updated_at=AT, lon=None, lat=None, location=None,
        description=description, data="{}", camera_id=None, raw_id=1,
    )  # fmt: skip


def test_title_and_checklist_follow_the_language() -> None:
    fr = new_incident(row(), now=AT, storm=False, language="fr")
    en = new_incident(row(), now=AT, storm=False, language="en")
    assert fr["title"] == "Point lumineux éteint : Lampe 4417"
    assert en["title"] == "Street lamp off: Lampe 4417"
    assert fr["procedure"][-1].text == (
        "Transmettre une demande d'intervention au prestataire d'éclairage avec le numéro du"
        " point lumineux."
    )
    assert en["procedure"][-1].text.startswith("Send a maintenance request")


def test_a_storm_is_named_after_its_source() -> None:
    fr = new_incident(row(), now=AT, storm=True, language="fr")
    assert fr["title"] == "Tempête d'alarmes de hypervisor"
    assert new_incident(row(), now=AT, storm=True, language="en")["title"] == (
        "Alarm storm from hypervisor"
    )


def test_a_description_that_only_repeats_the_type_is_said_once() -> None:
    # csu's JSON adapter describes an alarm its sender did not describe by the type's label.
    for said in ("", "Street lamp off", "Point lumineux éteint"):
        assert (
            new_incident(row(description=said), now=AT, storm=False, language="fr")["title"]
            == "Point lumineux éteint"
        )
