"""The site file: the interface-doc example, every validation rule, and one-line error reports."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from csu.config import (
    SiteConfig,
    SiteConfigError,
    check_site_file,
    load_site,
    parse_site,
)

EXAMPLE = textwrap.dedent(
    """\
    site: {name: Angers, timezone: Europe/Paris}
    cameras:
      - id: cam-ralliement-1
        name: Place du Ralliement N
        source: rtsp://10.0.0.21/stream1
        location: {lat: 47.4712, lon: -0.5536}
        view: {bearing_deg: 40, fov_deg: 70, range_m: 80}
        retention_days: 15
        privacy_zones: [[[0.62, 0.10], [0.95, 0.10], [0.95, 0.45], [0.62, 0.45]]]
    alarm_sources:
      - {id: hypervisor, kind: mqtt, url: mqtt://127.0.0.1:1883, topic: "hyperviseur/alarms/#"}
    walls:
      - {id: csu-main, name: CSU video wall, grid: [4, 3]}
      - {id: crisis-room, name: Crisis room, grid: [3, 2]}
    authorisations:
      - {user: operator, cameras: ["*"], expires: 2027-06-30}
    """
)


def errors_of(text: str) -> list[str]:
    """The error lines parse_site reports for `text` (fails if the text is valid)."""
    with pytest.raises(SiteConfigError) as caught:
        parse_site(textwrap.dedent(text))
    return caught.value.errors


def camera_errors(**fields: str) -> list[str]:
    """The error lines for a site holding one camera with these fields over valid defaults."""
    camera = {"id": "cam-a", "name": "A", "source": "rtsp://10.0.0.1/x", **fields}
    body = ", ".join(f"{key}: {value}" for key, value in camera.items())
    return errors_of(f"site: {{name: Angers}}\ncameras:\n  - {{{body}}}\n")


# --- the interface-doc example ---------------------------------------------------------


def test_interface_example_parses_with_every_field() -> None:
    config = parse_site(EXAMPLE)

    assert config.site.name == "Angers"
    assert config.site.timezone == "Europe/Paris"
    camera = config.camera("cam-ralliement-1")
    assert camera is not None
    assert camera.name == "Place du Ralliement N"
    assert camera.source == "rtsp://10.0.0.21/stream1"
    assert camera.location is not None
    assert (camera.location.lat, camera.location.lon) == (47.4712, -0.5536)
    assert camera.view is not None
    assert (camera.view.bearing_deg, camera.view.fov_deg, camera.view.range_m) == (40, 70, 80)
    assert camera.retention_days == 15
    assert camera.privacy_zones == (((0.62, 0.10), (0.95, 0.10), (0.95, 0.45), (0.62, 0.45)),)
    assert (camera.fps, camera.enabled) == (25, True)
    [source] = config.alarm_sources
    assert (source.id, source.kind) == ("hypervisor", "mqtt")
    assert (source.url, source.topic) == ("mqtt://127.0.0.1:1883", "hyperviseur/alarms/#")
    assert [(w.id, w.name, w.grid, w.rendition) for w in config.walls] == [
        ("csu-main", "CSU video wall", (4, 3), "zones"),
        ("crisis-room", "Crisis room", (3, 2), "zones"),
    ]
    assert (config.walls[0].cols, config.walls[0].rows, config.walls[0].tiles) == (4, 3, 12)
    [grant] = config.authorisations
    assert (grant.user, grant.cameras, grant.expires) == ("operator", ("*",), date(2027, 6, 30))
    assert grant.all_cameras and grant.covers("cam-ralliement-1")
    assert config.camera("cam-nowhere") is None


def test_defaults_fill_optional_sections_and_fields() -> None:
    config = parse_site("site: {name: Angers}\ncameras: [{id: c1, name: C, source: demo://street}]")

    assert config.site.timezone == "Europe/Paris"
    assert config.site.tzinfo.key == "Europe/Paris"
    assert (config.alarm_sources, config.walls, config.authorisations) == ((), (), ())
    camera = config.cameras[0]
    assert (camera.retention_days, camera.fps, camera.enabled) == (15, 25, True)
    assert (camera.location, camera.view, camera.privacy_zones) == (None, None, ())


def test_config_is_frozen() -> None:
    config = parse_site(EXAMPLE)

    with pytest.raises(ValueError, match="frozen"):
        config.cameras[0].retention_days = 30  # type: ignore[misc]


def test_load_site_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")

    assert isinstance(load_site(path), SiteConfig)
    assert check_site_file(path) == []


# --- the acceptance case -------------------------------------------------------


def test_one_file_with_three_mistakes_reports_exactly_those_three(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            site: {name: Angers}
            cameras:
              - id: cam-a
                name: A
                source: rtsp://10.0.0.1/stream1
                colour: red
              - id: cam-b
                name: B
                source: rtsp://10.0.0.2/stream1
                retention_days: 45
              - id: cam-c
                name: C
                source: rtsp//10.0.0.3/stream1
            """
        ),
        encoding="utf-8",
    )

    assert check_site_file(path) == [
        "cameras[0].colour: unknown key 'colour'",
        "cameras[1].retention_days: must be at most 30 days (got 45)",
        "cameras[2].source: invalid camera URL 'rtsp//10.0.0.3/stream1': "
        "missing ':' after 'rtsp' (expected rtsp://...)",
    ]
    with pytest.raises(SiteConfigError) as caught:
        load_site(path)
    assert caught.value.errors == check_site_file(path)
    assert str(caught.value).startswith(f"{path}: 3 errors in site file\n")


# --- camera URLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://10.0.0.21/stream1",
        "rtsps://cam.example.org:322/live",
        "rtsp://user:secret@10.0.0.1:554/h264",
        "rtsp://[fe80::1]:554/x",
        "http://10.0.0.5:8080/video.mjpg",
        "https://cam.example.org/snapshot.jpg",
        "file:///srv/videos/ralliement.mp4",
        "file:videos/ralliement.mp4",
        "demo://crossroads",
        "demo://market-day/",
    ],
)
def test_valid_camera_urls_are_kept_as_written(url: str) -> None:
    config = parse_site(f"site: {{name: Angers}}\ncameras: [{{id: c, name: C, source: '{url}'}}]")

    assert config.cameras[0].source == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("rtsp//10.0.0.1/x", "missing ':' after 'rtsp' (expected rtsp://...)"),
        ("rtsp://:554/x", "missing host (expected rtsp://host[:port]/...)"),
        ("https:///x", "missing host (expected https://host[:port]/...)"),
        (
            "ftp://x",
            "unsupported scheme 'ftp' (expected one of rtsp, rtsps, http, https, file, demo)",
        ),
        ("not a url", "missing scheme (expected one of rtsp, rtsps, http, https, file, demo)"),
        ("rtsp://10.0.0.1:99999/x", "port must be a number from 1 to 65535"),
        ("rtsp://10.0.0.1:0/x", "port must be a number from 1 to 65535"),
        ("http://10.0.0.1:web/x", "port must be a number from 1 to 65535"),
        ("rtsp://[fe80::1/x", "Invalid IPv6 URL"),
        ("rtsp://10.0.0.1/a b", "must not contain spaces"),
        ("file:", "missing file path"),
        ("file:///", "missing file path"),
        (
            "file://videos/a.mp4",
            "a file URL takes no host; write file:///abs/path.mp4 or file:relative/path.mp4",
        ),
        ("demo://", "missing scene name (expected demo://<scene>)"),
        ("demo:street", "missing scene name (expected demo://<scene>)"),
        ("demo://Street", "scene name 'Street' must be lowercase letters, digits, '-' or '_'"),
        ("demo://street/night", "expected demo://<scene> with nothing after the scene name"),
    ],
)
def test_invalid_camera_urls_say_why(url: str, why: str) -> None:
    assert camera_errors(source=f"'{url}'") == [
        f"cameras[0].source: invalid camera URL {url!r}: {why}"
    ]


def test_empty_camera_url_is_reported_as_empty() -> None:
    assert camera_errors(source="''") == ["cameras[0].source: must not be empty"]


def test_redacted_source_hides_the_password() -> None:
    config = parse_site(
        "site: {name: Angers}\n"
        "cameras: [{id: c, name: C, source: 'rtsp://user:secret@10.0.0.1:554/h264'}]"
    )
    camera = config.cameras[0]

    assert camera.source == "rtsp://user:secret@10.0.0.1:554/h264"
    assert camera.redacted_source == "rtsp://user:***@10.0.0.1:554/h264"
    assert "secret" not in camera.redacted_source


def test_redacted_source_hides_password_query_parameters() -> None:
    config = parse_site(
        "site: {name: Angers}\n"
        "cameras: [{id: c, name: C, source: 'http://10.0.0.1/snap.cgi?user=a&pwd=secret'}]"
    )

    assert config.cameras[0].redacted_source == "http://10.0.0.1/snap.cgi?user=a&pwd=***"


def test_a_bad_url_error_never_shows_the_password() -> None:
    [line] = camera_errors(source="'rtsp://admin:secret@:554/x'")

    assert "secret" not in line
    assert line == (
        "cameras[0].source: invalid camera URL 'rtsp://admin:***@:554/x': "
        "missing host (expected rtsp://host[:port]/...)"
    )


# --- camera fields ---------------------------------------------------------------------


def test_privacy_zone_coordinates_must_lie_in_the_unit_square() -> None:
    assert camera_errors(privacy_zones="[[[0, 0], [1.2, 0], [1, -0.1]]]") == [
        "cameras[0].privacy_zones[0][1][0]: must be <= 1 (got 1.2)",
        "cameras[0].privacy_zones[0][2][1]: must be >= 0 (got -0.1)",
    ]


def test_privacy_zone_needs_three_points() -> None:
    assert camera_errors(privacy_zones="[[[0, 0], [1, 1]]]") == [
        "cameras[0].privacy_zones[0]: must have at least 3 points (got 2)"
    ]


def test_privacy_zone_point_has_two_coordinates() -> None:
    assert camera_errors(privacy_zones="[[[0, 0, 0], [1, 0], [1, 1]]]") == [
        "cameras[0].privacy_zones[0][0]: must have at most 2 coordinates (got 3)"
    ]


def test_privacy_zone_must_cover_an_area() -> None:
    assert camera_errors(privacy_zones="[[[0, 0], [0.5, 0.5], [1, 1]]]") == [
        "cameras[0].privacy_zones[0]: privacy zone has no area (points on one line)"
    ]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("retention_days", "0", "retention_days: must be at least 1 day (got 0)"),
        ("retention_days", "true", "retention_days: must be a valid integer (got True)"),
        ("fps", "61", "fps: must be <= 60 (got 61)"),
        ("name", "''", "name: must not be empty"),
        (
            "id",
            "Cam-A",
            "id: must be 1 to 64 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit (got 'Cam-A')",
        ),
        ("location", "{lat: 91, lon: 0}", "location.lat: must be <= 90 (got 91)"),
        ("location", "{lat: 47}", "location.lon: required"),
        (
            "view",
            "{bearing_deg: 360, fov_deg: 70, range_m: 80}",
            "view.bearing_deg: must be < 360 (got 360)",
        ),
        ("view", "{bearing_deg: 0, fov_deg: 0, range_m: 80}", "view.fov_deg: must be > 0 (got 0)"),
        (
            "view",
            "{bearing_deg: 0, fov_deg: 70, range_m: 6000}",
            "view.range_m: must be at most 5000 m (got 6000)",
        ),
        ("enabled", "maybe", "enabled: must be a valid boolean (got 'maybe')"),
    ],
)
def test_camera_field_bounds(field: str, value: str, error: str) -> None:
    assert camera_errors(**{field: value}) == [f"cameras[0].{error}"]


def test_missing_camera_fields_are_required() -> None:
    assert errors_of("site: {name: Angers}\ncameras: [{id: c}]") == [
        "cameras[0].name: required",
        "cameras[0].source: required",
    ]


# --- site, alarm sources, walls, authorisations ----------------------------------------


def test_bad_timezone() -> None:
    assert errors_of("site: {name: Angers, timezone: Europe/Angers}") == [
        "site.timezone: unknown time zone 'Europe/Angers' "
        "(expected an IANA name such as 'Europe/Paris')"
    ]


def test_malformed_timezone_key_is_reported_not_raised() -> None:
    assert errors_of("site: {name: Angers, timezone: ../../etc/passwd}") == [
        "site.timezone: unknown time zone '../../etc/passwd' "
        "(expected an IANA name such as 'Europe/Paris')"
    ]


def test_missing_site_section() -> None:
    assert errors_of("cameras: []") == ["site: required"]


def test_http_alarm_source_takes_no_url_or_topic() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        alarm_sources:
          - {id: push, kind: http}
          - {id: bad, kind: http, url: "mqtt://broker", topic: a/b, ack: stored, share_group: g}
          - {id: feed, kind: mqtt, url: "mqtt://broker", topic: a/#, ack: stored}
          - {id: odd, kind: mqtt, url: "mqtt://broker", topic: a/#, ack: never}
        """
    ) == [
        "alarm_sources[1].url: not allowed for kind 'http'",
        "alarm_sources[1].topic: not allowed for kind 'http'",
        "alarm_sources[1].ack: not allowed for kind 'http'",
        "alarm_sources[1].share_group: not allowed for kind 'http'",
        "alarm_sources[3].ack: must be 'received' or 'stored' (got 'never')",
    ]


@pytest.mark.parametrize(
    ("source", "errors"),
    [
        (
            "{id: a, kind: mqtt}",
            ["url: required for kind 'mqtt'", "topic: required for kind 'mqtt'"],
        ),
        (
            "{id: a, kind: mqtt, url: 'http://b', topic: t}",
            ["url: invalid MQTT URL 'http://b': scheme must be mqtt or mqtts (got 'http')"],
        ),
        (
            "{id: a, kind: mqtt, url: 'mqtt://:1883', topic: t}",
            [
                "url: invalid MQTT URL 'mqtt://:1883': missing host (expected mqtt://host[:port]/...)"
            ],
        ),
        (
            "{id: a, kind: mqtt, url: 'mqtts://b:70000', topic: t}",
            ["url: invalid MQTT URL 'mqtts://b:70000': port must be a number from 1 to 65535"],
        ),
        ("{id: a, kind: mqtt, url: 'mqtt://b', topic: ''}", ["topic: must not be empty"]),
        (
            "{id: a, kind: mqtt, url: 'mqtt://b', topic: 'a/#/b'}",
            ["topic: invalid MQTT topic: '#' must be a whole level and the last one"],
        ),
        ("{id: a, kind: smtp}", ["kind: must be 'mqtt' or 'http' (got 'smtp')"]),
        (
            "{id: a, kind: mqtt, url: 'mqtt://b', topic: t, share_group: 'api/nodes'}",
            [r"share_group: must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ (got 'api/nodes')"],
        ),
        (
            "{id: a, kind: mqtt, url: 'mqtt://b', topic: t, share_group: g, mqtt_version: '3.1.1'}",
            ["share_group: a shared subscription needs mqtt_version 5"],
        ),
    ],
)
def test_mqtt_alarm_source_rules(source: str, errors: list[str]) -> None:
    lines = errors_of(f"site: {{name: Angers}}\nalarm_sources: [{source}]")

    assert lines == [f"alarm_sources[0].{error}" for error in errors]


def test_mqtt_alarm_source_accepts_mqtts_with_credentials() -> None:
    config = parse_site(
        "site: {name: Angers}\n"
        "alarm_sources: [{id: a, kind: mqtt, url: 'mqtts://u:p@broker:8883', topic: 'x/+/y'}]"
    )

    assert config.alarm_sources[0].url == "mqtts://u:p@broker:8883"


def test_mqtt_alarm_source_takes_a_share_group() -> None:
    config = parse_site(
        "site: {name: Angers}\n"
        "alarm_sources: [{id: a, kind: mqtt, url: 'mqtt://b', topic: 'x/#', share_group: csu-api}]"
    )

    assert config.alarm_sources[0].share_group == "csu-api"


def test_wall_grid_bounds_and_rendition() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        walls:
          - {id: public, name: Public, grid: [2, 2], rendition: anonymised}
          - {id: big, name: Big, grid: [9, 0], rendition: blurred}
          - {id: flat, name: Flat, grid: [2]}
        """
    ) == [
        "walls[1].grid[0]: must be <= 8 (got 9)",
        "walls[1].grid[1]: must be >= 1 (got 0)",
        "walls[1].rendition: must be 'zones' or 'anonymised' (got 'blurred')",
        "walls[2].grid[1]: required",
    ]


def test_duplicate_ids_are_reported_on_the_later_entry() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        cameras:
          - {id: cam-a, name: A, source: demo://a}
          - {id: cam-b, name: B, source: demo://b}
          - {id: cam-a, name: A again, source: demo://c}
        alarm_sources: [{id: push, kind: http}, {id: push, kind: http}]
        walls: [{id: w, name: W, grid: [1, 1]}, {id: w, name: W, grid: [2, 2]}]
        """
    ) == [
        "cameras[2].id: duplicate camera id 'cam-a' (already used by cameras[0])",
        "alarm_sources[1].id: duplicate alarm source id 'push' (already used by alarm_sources[0])",
        "walls[1].id: duplicate wall id 'w' (already used by walls[0])",
    ]


def test_authorisation_naming_an_unknown_camera() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        cameras: [{id: cam-a, name: A, source: demo://a}]
        authorisations:
          - {user: operator, cameras: ["*"]}
          - {user: j.doe, cameras: [cam-a, cam-x]}
        """
    ) == ["authorisations[1].cameras[1]: unknown camera 'cam-x'"]


def test_authorisation_fields() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        cameras: [{id: cam-a, name: A, source: demo://a}]
        authorisations:
          - {user: Operator, cameras: [cam-a]}
          - {user: op, cameras: []}
          - {user: op, cameras: ["*", cam-a]}
          - {user: op, cameras: [cam-a], expires: someday}
        """
    ) == [
        "authorisations[0].user: must be 1 to 64 lowercase letters, digits, '.', '-' or '_', "
        "starting with a letter or digit (got 'Operator')",
        "authorisations[1].cameras: must have at least 1 camera (got 0)",
        "authorisations[2].cameras: '*' must be the only entry",
        "authorisations[3].expires: must be a valid date or datetime, "
        "input is too short (got 'someday')",
    ]


def test_named_authorisation_covers_only_its_cameras() -> None:
    config = parse_site(
        "site: {name: Angers}\n"
        "cameras: [{id: a, name: A, source: demo://a}, {id: b, name: B, source: demo://b}]\n"
        "authorisations: [{user: op, cameras: [a]}]"
    )
    grant = config.authorisations[0]

    assert grant.covers("a") and not grant.covers("b") and not grant.all_cameras


# --- YAML-level problems ---------------------------------------------------------------


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("site:\n  name: Angers\ncameras: [\n  {id: a,\n", encoding="utf-8")

    [line] = check_site_file(path)

    assert line.startswith(f"{path}:5:1: YAML syntax error: ")


def test_yaml_syntax_error_for_a_string_source() -> None:
    assert errors_of("site: {name: Angers\n  timezone: [") == [
        "<string>:2:11: YAML syntax error: expected ',' or '}', but got ':'"
    ]


def test_duplicate_yaml_key_is_an_error_not_a_silent_override() -> None:
    assert errors_of("site: {name: Angers}\nsite: {name: Nantes}\n") == [
        "<string>:2:1: duplicate key 'site'"
    ]


def test_yaml_merge_keys_may_override_anchored_defaults() -> None:
    config = parse_site(
        textwrap.dedent(
            """\
            site: {name: Angers}
            cameras:
              - &street {id: cam-a, name: A, source: demo://a, retention_days: 7}
              - {<<: *street, id: cam-b, retention_days: 10}
            """
        )
    )

    assert [(c.id, c.source, c.retention_days) for c in config.cameras] == [
        ("cam-a", "demo://a", 7),
        ("cam-b", "demo://a", 10),
    ]


def test_non_text_yaml_key_is_an_error() -> None:
    assert errors_of("site: {name: Angers}\n1: x\n") == [
        "<string>:2:1: key 1 must be text; quote it"
    ]


def test_impossible_date_is_reported_with_its_position() -> None:
    text = "site: {name: Angers}\nauthorisations: [{user: op, cameras: ['*'], expires: 2027-13-01}]"

    assert errors_of(text) == ["<string>:2:54: invalid date '2027-13-01': month must be in 1..12"]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")

    assert check_site_file(path) == [f"{path}: the site file is empty (expected a 'site' section)"]


def test_top_level_must_be_a_mapping() -> None:
    assert errors_of("- site\n- cameras\n") == [
        "<string>: the top level must be a mapping of sections "
        "(site, cameras, alarm_sources, walls, authorisations), got a list"
    ]


def test_unknown_top_level_section() -> None:
    assert errors_of("site: {name: Angers}\ncamera: []") == ["camera: unknown key 'camera'"]


def test_section_of_the_wrong_shape() -> None:
    assert errors_of("site: Angers\ncameras: {id: a}") == [
        "site: must be a mapping of keys (got 'Angers')",
        "cameras: must be a list (got {'id': 'a'})",
    ]


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    assert check_site_file(path) == [f"{path}: cannot read site file: No such file or directory"]


def test_non_utf8_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes(b"site: {name: Angers \xff}\n")

    assert check_site_file(path) == [
        f"{path}: cannot read site file: not UTF-8 text (bad byte at offset 20)"
    ]


# --- camera groups ----------------------------------------------------------------------


def test_camera_groups_keep_their_order_and_name_known_cameras_only() -> None:
    config = parse_site(
        textwrap.dedent(
            """\
            site: {name: Angers}
            cameras: [{id: cam-a, name: A, source: demo://a}, {id: cam-b, name: B, source: demo://b}]
            groups:
              - {id: centre-ville, name: Centre-ville, cameras: [cam-b, cam-a]}
              - {id: gare, name: Gare, cameras: [cam-a]}
            """
        )
    )
    centre = config.group("centre-ville")
    assert centre is not None and centre.name == "Centre-ville"
    assert centre.cameras == ("cam-b", "cam-a")
    assert config.group("nowhere") is None


def test_camera_group_errors_are_named() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        cameras: [{id: cam-a, name: A, source: demo://a}]
        groups:
          - {id: gare, name: Gare, cameras: [cam-a, cam-x]}
          - {id: gare, name: Gare bis, cameras: [cam-a]}
          - {id: Centre, name: "", cameras: []}
          - {id: ok, name: Ok, cameras: [cam-a], district: 3}
        """
    ) == [
        "groups[2].id: must be 1 to 64 lowercase letters, digits, '-' or '_', starting with a"
        " letter or digit (got 'Centre')",
        "groups[2].name: must not be empty",
        "groups[2].cameras: must have at least 1 item (got 0)",
        "groups[3].district: unknown key 'district'",
    ]
    assert errors_of(
        """\
        site: {name: Angers}
        cameras: [{id: cam-a, name: A, source: demo://a}]
        groups:
          - {id: gare, name: Gare, cameras: [cam-a, cam-x]}
          - {id: gare, name: Gare bis, cameras: [cam-a]}
        """
    ) == [
        "groups[1].id: duplicate group id 'gare' (already used by groups[0])",
        "groups[0].cameras[1]: unknown camera 'cam-x' in group 'gare'",
    ]


def test_the_demo_site_groups_its_cameras() -> None:
    demo = load_site(Path(__file__).parents[2] / "csu" / "demo" / "site.yaml")
    assert [(g.id, g.name) for g in demo.groups] == [
        ("centre-ville", "Centre-ville"),
        ("gare", "Gare"),
    ]
    assert [demo.tour_cameras(tour) for tour in demo.tours] == [
        ["cam-ralliement-1", "cam-ralliement-dome", "cam-lenepveu-1", "cam-gare-parvis"]
    ]


# --- camera tours -----------------------------------------------------------------------


def test_a_tour_lists_cameras_and_groups_in_order() -> None:
    config = parse_site(
        textwrap.dedent(
            """\
            site: {name: Angers}
            cameras: [{id: cam-a, name: A, source: demo://a}, {id: cam-b, name: B, source: demo://b}]
            groups: [{id: gare, name: Gare, cameras: [cam-b, cam-a]}]
            tours:
              - {id: nuit, name: Nuit, dwell_s: 5, steps: [{camera: cam-a}, {group: gare}]}
              - {id: jour, name: Jour, steps: [{camera: cam-b}]}
            """
        )
    )
    night, day = config.tours
    assert night.dwell_s == 5 and day.dwell_s == 10
    assert config.tour_cameras(night) == ["cam-a", "cam-b", "cam-a"]


def test_tour_errors_are_named() -> None:
    assert errors_of(
        """\
        site: {name: Angers}
        cameras: [{id: cam-a, name: A, source: demo://a}]
        tours:
          - {id: t, name: T, dwell_s: 1, steps: []}
          - {id: u, name: U, steps: [{camera: cam-a, group: g}, {}], every: 3}
        """
    ) == [
        "tours[0].dwell_s: must be >= 2 (got 1)",
        "tours[0].steps: must have at least 1 item (got 0)",
        "tours[1].steps[0]: name either a camera or a group",
        "tours[1].steps[1]: name either a camera or a group",
        "tours[1].every: unknown key 'every'",
    ]
    assert errors_of(
        """\
        site: {name: Angers}
        cameras: [{id: cam-a, name: A, source: demo://a}]
        groups: [{id: gare, name: Gare, cameras: [cam-a]}]
        tours:
          - {id: t, name: T, steps: [{camera: cam-x}, {group: gare}, {group: port}]}
          - {id: t, name: T2, steps: [{camera: cam-a}]}
        """
    ) == [
        "tours[1].id: duplicate tour id 't' (already used by tours[0])",
        "tours[0].steps[0].camera: unknown camera 'cam-x' in tour 't'",
        "tours[0].steps[2].group: unknown group 'port' in tour 't'",
    ]
