"""A small valid scenario, as text, for the scenario tests."""

from __future__ import annotations

import textwrap

import pytest

SMALL = textwrap.dedent(
    """\
    name: essai
    title: {fr: Essai, en: Trial}
    description: {fr: Un essai., en: A trial.}
    duration: "+00:10:00"
    steps:
      - at: "+00:00:00"
        alarm:
          source: hypervisor
          external_id: "EAU-{{run}}-1"
          type: water.flood_sensor
          location: {type: Point, coordinates: [-0.5486, 47.4694]}
          description: "Capteur NV-04 : 35 cm"
        expect:
          - {action: acknowledge, alarm_type: water.flood_sensor, within: "+00:05:00"}
      - at: 90
        inject: {fr: "La préfecture appelle", en: "The prefecture calls"}
        expect:
          - {action: open_crisis, within: 300}
      - at: "+00:05:00"
        camera: {camera: cam-mail-parking, event: video_loss}
    """
)


@pytest.fixture
def small_text() -> str:
    """A valid three-step scenario."""
    return SMALL
