"""The csu alarm types: what each means, how serious it is by default, and what an operator does.

Lighting, water, traffic lights, parking, buildings, waste and watering have no FIWARE Alert
category of their own, so csu names its alarm types itself, as `domain.kind` (a video analytics
alert has a third part: `video.analytics.fire`). Every adapter maps its input onto these names;
`mapping.py` holds the tables from FIWARE Alert, Anomaly, CAP and ONVIF.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from csu.i18n import Language
from incidents.alarms.errors import AlarmParseError, shown
from incidents.alarms.scales import Severity

_INFO, _LOW, _MEDIUM = Severity.INFORMATIONAL, Severity.LOW, Severity.MEDIUM
_HIGH, _CRITICAL = Severity.HIGH, Severity.CRITICAL

# Every video analytics alert only suggests: the law (domain.md rule 6) wants a human decision.
_DECIDE = "Confirm or dismiss the alert in the console; the decision is logged."


class Domain(StrEnum):
    """The service or family an alarm type belongs to: the first part of its name."""

    LIGHTING = "lighting"
    WATER = "water"
    TRAFFIC_LIGHT = "traffic_light"
    PARKING = "parking"
    BUILDING = "building"
    WASTE = "waste"
    WATERING = "watering"
    VIDEO = "video"
    SECURITY = "security"
    FIRE = "fire"
    WEATHER = "weather"
    CIVIL = "civil"
    TRAFFIC = "traffic"
    ENVIRONMENT = "environment"
    HEALTH = "health"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class AlarmType:
    """One csu alarm type and the checklist an operator follows when it arrives."""

    name: str
    label: str
    label_fr: str
    default_severity: Severity
    procedure: tuple[str, ...]

    @property
    def domain(self) -> Domain:
        """The domain named by the first part of the type name."""
        return Domain(self.name.split(".", 1)[0])


def _type(name: str, severity: Severity, label: str, label_fr: str, *steps: str) -> AlarmType:
    return AlarmType(name, label, label_fr, severity, steps)


_TYPES = (
    _type("lighting.feeder_down", _HIGH, "Lighting feeder down", "Départ d'éclairage en défaut",
          "Read the cabinet reference and the number of lamps off on the hypervisor.",
          "Put the cameras of the dark streets on the wall: they need watching.",
          "Call the public-lighting on-call contractor with the cabinet reference.",
          "If a crossing, tunnel or event area is dark, tell the patrol on duty.",
          "Log the contractor's expected repair time in the main courante."),
    _type("lighting.lamp_off", _LOW, "Street lamp off", "Point lumineux éteint",
          "Check for a feeder-down alarm in the same street: it explains the lamp.",
          "Check the lamp on a camera that covers it, if there is one.",
          "Send a maintenance request to the lighting contractor with the lamp number."),
    _type("water.pressure_drop", _MEDIUM, "Water pressure drop", "Chute de pression d'eau",
          "Read the pressure trend and the neighbouring sensors on the hypervisor.",
          "Look at the cameras of the sector for water on the road.",
          "Call the water utility's on-call operator with the sector and the pressure.",
          "If the pressure keeps falling, handle it as a water main burst."),
    _type("water.main_burst", _CRITICAL, "Water main burst", "Rupture de canalisation d'eau",
          "Put the cameras of the burst on the wall; look for flooded roads and basements.",
          "Call the water utility's emergency line to isolate the section.",
          "Send a patrol to secure the area and divert traffic.",
          "Call the fire service (18/112) if buildings are flooded or people are at risk.",
          "Log the closures, the crew's arrival and the reopening in the main courante."),
    _type("water.flood_sensor", _HIGH, "Flood sensor triggered", "Détection d'inondation",
          "Identify the site (underpass, car park, basement) and its sensor on the hypervisor.",
          "Look at the site's cameras for rising water and people or vehicles inside.",
          "Close access to the site (barriers, patrol) if water is present.",
          "Call the technical on-call service for the pumps.",
          "Call the fire service (18/112) if people are trapped or at risk."),
    _type("traffic_light.fault", _HIGH, "Traffic-light fault", "Défaut de feux tricolores",
          "Read the junction controller and the fault (dark, flashing amber, conflict).",
          "Put the junction's cameras on the wall and check the traffic.",
          "Call the traffic-signal maintenance contractor.",
          "If the junction is dark or in conflict, send a patrol to direct traffic."),
    _type("parking.full", _INFO, "Car park full", "Parking complet",
          "Check the occupancy on the hypervisor and that the signs show FULL.",
          "Look at the entrance cameras for a queue spilling onto the road.",
          "If the queue blocks traffic, tell the traffic management centre."),
    _type("parking.barrier_fault", _MEDIUM, "Car-park barrier fault", "Défaut de barrière",
          "Identify the car park and the barrier (entry or exit) on the hypervisor.",
          "Look at the lane camera for blocked vehicles or users unable to leave.",
          "Call the car-park operator's on-call technician.",
          "Tell waiting users over the intercom how long it will take."),
    _type("building.intrusion", _HIGH, "Intrusion in a building", "Intrusion dans un bâtiment",
          "Identify the building, zone and detector on the hypervisor.",
          "Put the building's cameras on the wall; look for people or forced openings.",
          "If video confirms it, call the police (17) and send a patrol, never one agent alone.",
          "If nothing is seen, ask the key holder or the security company for a check round.",
          "Log the outcome (confirmed, false alarm, cause) in the main courante."),
    _type("building.fire_alarm", _CRITICAL, "Building fire alarm", "Alarme incendie bâtiment",
          "Identify the building, zone and detector; check whether it is occupied now.",
          "Put the building's cameras on the wall; look for smoke, flames or evacuation.",
          "Call the fire service (18/112) unless the alarm is confirmed false on site.",
          "Send a patrol to keep the access clear for the fire engines.",
          "Inform the building manager and the on-call elected official."),
    _type("building.technical_fault", _MEDIUM, "Building technical fault",
          "Défaut technique de bâtiment",
          "Identify the building and the equipment (power, heating, lift, access control).",
          "Check whether people are affected (someone in a lift, a cold school).",
          "Call the building maintenance on-call service."),
    _type("waste.container_full", _LOW, "Waste container full", "Conteneur plein",
          "Read the fill level and the container's place on the hypervisor.",
          "Look at a nearby camera for bags dumped around the container.",
          "Ask the waste service for a collection."),
    _type("waste.container_fire", _HIGH, "Waste container fire", "Feu de conteneur",
          "Confirm on the nearest camera; check the cars and façades close to it.",
          "Call the fire service (18/112).",
          "Send a patrol to secure the area.",
          "Note the time span to keep if the police open an investigation."),
    _type("watering.leak", _MEDIUM, "Watering leak", "Fuite d'arrosage",
          "Read the flow and the watering programme on the hypervisor.",
          "Close the valve from the hypervisor if it allows it.",
          "Look at nearby cameras for water on paths or roads.",
          "Send a work order to the green-spaces service."),
    _type("video.loss", _HIGH, "Camera video loss", "Perte du signal vidéo",
          "Check whether other cameras on the same link or power feeder are lost too.",
          "Check for a lighting or power alarm in the same street.",
          "Try to reconnect the stream from the console.",
          "Call the video maintenance contractor with the camera id.",
          "If the camera covers a sensitive site, ask a patrol to watch it until repaired."),
    _type("video.tamper", _HIGH, "Camera tampering", "Sabotage de caméra",
          "Look at the last images for a masked, moved, sprayed or defocused view.",
          "Look at the neighbouring cameras for the people involved.",
          "Send a patrol if the tampering is happening now.",
          "Call the video maintenance contractor to restore the view."),
    _type("video.motion", _LOW, "Motion detected by a camera", "Détection de mouvement",
          "Look at the camera's live view.",
          "Check for an intrusion alarm on the building the camera watches.",
          "Dismiss it if the motion is explained (animals, weather, staff)."),
    _type("video.analytics", _MEDIUM, "Video analytics alert", "Alerte d'analyse vidéo",
          "Look at the clip and the live view: the analysis only suggests.",
          _DECIDE,
          "If confirmed, open an incident and follow the procedure of its type."),
    _type("video.analytics.abandoned_object", _HIGH, "Abandoned object", "Objet abandonné",
          "Look at the clip: when the object was left, and whether it is still there.",
          "If it looks suspicious, send a patrol to set a perimeter; nobody touches it.",
          "Call the police (17) for a suspicious object.",
          _DECIDE),
    _type("video.analytics.weapon", _CRITICAL, "Weapon detected", "Arme détectée",
          "Check the clip and the live view for the weapon before anything else.",
          "If confirmed, call the police (17) at once with the place and a description.",
          "Keep the live views of the area on the wall for the police.",
          _DECIDE),
    _type("video.analytics.wrong_way", _HIGH, "Vehicle going the wrong way", "Contresens",
          "Confirm on the live view and note the road and the direction.",
          "Warn the police and the traffic management centre.",
          _DECIDE),
    _type("video.analytics.zone_intrusion", _HIGH, "Entry into a forbidden zone",
          "Intrusion en zone interdite",
          "Look at the clip and the live view: who entered and whether they are in danger.",
          "Send a patrol for a sensitive site (tracks, roofs, building sites).",
          _DECIDE),
    _type("video.analytics.person_down", _HIGH, "Person on the ground", "Personne au sol",
          "Look at the live view: whether the person moves and anyone is helping.",
          "If the person seems unwell or hurt, call the medical emergency line (15/112).",
          "Send a patrol to assist and guide the emergency services.",
          _DECIDE),
    _type("video.analytics.crowd_movement", _HIGH, "Crowd movement", "Mouvement de foule",
          "Look at the live views of the area and the neighbouring cameras.",
          "Warn the patrols and the event organiser on site.",
          "If people are fleeing something, call the police (17).",
          _DECIDE),
    _type("video.analytics.crowd_density", _MEDIUM, "Excessive crowd density",
          "Densité de foule excessive",
          "Look at the live view and the density trend.",
          "Ask the organiser and the patrols to open exits or filter entries.",
          _DECIDE),
    _type("video.analytics.fire", _CRITICAL, "Fire or smoke seen by a camera", "Feu détecté",
          "Confirm smoke or flames on the clip and the live view.",
          "If confirmed, call the fire service (18/112) with the exact place.",
          "Send a patrol to keep the access clear.",
          _DECIDE),
    _type("security.alert", _HIGH, "Security alert", "Alerte de sécurité",
          "Read the alert: what, where, since when, and who sent it.",
          "Put the cameras of the place on the wall.",
          "Inform the police (17) or the patrol on duty as the alert requires.",
          "Log the actions taken in the main courante."),
    _type("fire.alert", _HIGH, "Fire alert", "Alerte incendie",
          "Read the alert: place, extent and the sender's instructions.",
          "Put the cameras of the area on the wall and look for smoke.",
          "Make sure the fire service (18) knows; send patrols for traffic and evacuation.",
          "Inform the on-call elected official if residents may have to leave."),
    _type("weather.alert", _MEDIUM, "Weather alert", "Alerte météo",
          "Read the alert: phenomenon, area, validity and instructions.",
          "Inform the on-call manager and the technical services (roads, green spaces).",
          "Watch the exposed sites on the cameras (underpasses, river banks, events).",
          "Prepare the municipal safeguard plan (PCS) if the alert is severe."),
    _type("civil.alert", _MEDIUM, "Civil-protection alert", "Alerte de sécurité civile",
          "Read the alert: event, area, validity and the authority's instructions.",
          "Inform the on-call manager and the on-call elected official.",
          "Put the cameras of the area on the wall.",
          "Open the crisis room if the municipal safeguard plan (PCS) is triggered."),
    _type("traffic.jam", _MEDIUM, "Traffic jam", "Embouteillage",
          "Put the road's cameras on the wall and find the cause (accident, works).",
          "Inform the traffic management centre and the patrols.",
          "If an accident causes it, follow the traffic accident procedure."),
    _type("traffic.accident", _HIGH, "Traffic accident", "Accident de la circulation",
          "Put the cameras of the place on the wall; look for victims, fire, blocked lanes.",
          "Call the emergency services (15/18/112) if there are victims or a fire risk.",
          "Send a patrol to secure the scene and divert traffic.",
          "Note the time span to keep if the police ask for the footage."),
    _type("traffic.alert", _LOW, "Traffic alert", "Alerte de circulation",
          "Read the alert: road, hazard and expected duration.",
          "Check the road on a camera.",
          "Tell the patrols and the traffic management centre if the road is unsafe."),
    _type("environment.alert", _MEDIUM, "Environmental alert", "Alerte environnementale",
          "Read the alert: pollutant or hazard, area and level.",
          "Inform the on-call manager and the environment service.",
          "Apply the measures the alert calls for (traffic limits, public information)."),
    _type("health.alert", _HIGH, "Health alert", "Alerte sanitaire",
          "Read the alert: who is affected, where, and what is asked.",
          "If someone needs help now, call the medical emergency line (15/112).",
          "Send a patrol to assist and inform the on-call manager."),
    _type("other", _LOW, "Other alarm", "Autre alarme",
          "Read the alarm and its data to understand what the sender reports.",
          "Check the place on a camera if one covers it.",
          "Pass it to the service concerned and log it in the main courante."),
)  # fmt: skip

ALARM_TYPES: Mapping[str, AlarmType] = MappingProxyType({t.name: t for t in _TYPES})


def type_labels(language: Language) -> dict[str, str]:
    """Every alarm type's label in a language, by type name (what pages show instead of names)."""
    return {t.name: t.label_fr if language == "fr" else t.label for t in _TYPES}


def alarm_type(name: str, field: str = "type") -> AlarmType:
    """The catalogue entry for `name`, or an AlarmParseError listing the valid names."""
    entry = ALARM_TYPES.get(name)
    if entry is None:
        raise AlarmParseError(f"{field}: {unknown_type_message(name)}")
    return entry


def unknown_type_message(name: object) -> str:
    """Why `name` is refused, with the closest valid name and the full list."""
    message = f"{shown(name)} is not a csu alarm type"
    if isinstance(name, str) and (close := difflib.get_close_matches(name, ALARM_TYPES, 1)):
        message += f" (did you mean {close[0]!r}?)"
    return message + "; valid types: " + ", ".join(ALARM_TYPES)
