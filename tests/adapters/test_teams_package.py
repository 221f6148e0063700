"""The Teams app package: what an admin uploads, checked against Microsoft's published schema."""

from __future__ import annotations

import copy
import json
import pathlib
import struct
import zipfile
import zlib

import jsonschema
import pytest

from adapters.teams.package import MANIFEST_VERSION, package_problems, write_package
from adapters.teams.settings import TeamsSettings
from bot.errors import CxbotError

SCHEMA_FILE = pathlib.Path(__file__).parent / "teams_manifest" / "MicrosoftTeams.v1.22.schema.json"
APP_ID = "6f1c2f9e-3b7a-4c2d-9a51-0d2b7e4c8a10"


@pytest.fixture
def settings() -> TeamsSettings:
    return TeamsSettings(app_id=APP_ID, website_url="https://it.contoso.example/help")


@pytest.fixture
def package(settings: TeamsSettings, tmp_path: pathlib.Path) -> zipfile.ZipFile:
    path = write_package(settings, tmp_path / "cxbot-teams.zip")
    with zipfile.ZipFile(path) as archive:
        yield archive


@pytest.fixture
def manifest(package: zipfile.ZipFile) -> dict:
    return json.loads(package.read("manifest.json"))


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft4Validator
    # The schema says draft-04 yet pins manifestVersion with `const`, a draft-06 keyword a
    # strict Draft 4 validator skips; Microsoft's own tools (Ajv) enforce it, so we do too.
    cls = jsonschema.validators.extend(
        jsonschema.Draft4Validator, {"const": jsonschema.Draft6Validator.VALIDATORS["const"]}
    )
    cls.check_schema(schema)
    return cls(schema)


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered RGBA rows: enough of a PNG reader for our own icons."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, interlace) == (8, 6, 0), "8-bit RGBA, not interlaced"
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 4 + 1
    assert all(raw[row * stride] == 0 for row in range(height)), "rows are unfiltered"
    rows = [raw[row * stride + 1 : (row + 1) * stride] for row in range(height)]
    return width, height, rows


def pixels(rows: list[bytes]) -> list[tuple[int, int, int, int]]:
    return [tuple(row[i : i + 4]) for row in rows for i in range(0, len(row), 4)]


def test_the_zip_holds_the_manifest_and_both_icons(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_the_manifest_validates_against_microsofts_schema(manifest: dict) -> None:
    validator().validate(manifest)


def test_the_schema_url_and_manifest_version_agree(manifest: dict) -> None:
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
        "/MicrosoftTeams.schema.json"
    )
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["properties"]["manifestVersion"]["const"] == MANIFEST_VERSION


def test_the_validator_refuses_a_broken_manifest(manifest: dict) -> None:
    broken = copy.deepcopy(manifest)
    broken["bots"][0]["scopes"].append("everywhere")
    del broken["developer"]["privacyUrl"]
    broken["accentColor"] = "blue"
    broken["manifestVersion"] = "1.23"
    errors = {error.message for error in validator().iter_errors(broken)}
    assert len(errors) == 4, errors


def test_the_bot_is_the_configured_app_in_personal_and_team_scopes(manifest: dict) -> None:
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert manifest["id"] == APP_ID
    assert bot["scopes"] == ["personal", "team"]
    assert bot["supportsFiles"] is False and bot["isNotificationOnly"] is False


def test_the_command_lists_offer_the_commands_within_teams_limits(
    manifest: dict,
) -> None:
    (bot,) = manifest["bots"]
    by_scope = {scope: lst["commands"] for lst in bot["commandLists"] for scope in lst["scopes"]}
    assert set(by_scope) == {"personal", "team"}
    titles = {scope: [command["title"] for command in got] for scope, got in by_scope.items()}
    assert titles["personal"] == ["track", "cx-summary", "cx-me", "follow-ups", "help"]
    # What names people (your own ratings, follow-ups) is never offered in a channel.
    assert titles["team"] == ["track", "cx-summary", "help"]
    for commands in by_scope.values():
        # Teams' documented limits, stricter than what the 1.22 schema enforces.
        assert all(len(command["title"]) <= 32 for command in commands)
        assert all(0 < len(command["description"]) <= 128 for command in commands)


def test_the_pages_and_names_come_from_settings(tmp_path: pathlib.Path) -> None:
    settings = TeamsSettings(
        app_id=APP_ID,
        app_name="IT Help",
        developer_name="Contoso IT",
        website_url="https://it.contoso.example/help",
        privacy_url="https://it.contoso.example/privacy",
    )
    with zipfile.ZipFile(write_package(settings, tmp_path / "p.zip")) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["name"]["short"] == "IT Help"
    assert manifest["developer"] == {
        "name": "Contoso IT",
        "websiteUrl": "https://it.contoso.example/help",
        "privacyUrl": "https://it.contoso.example/privacy",
        # No terms page of its own: the IT support page stands in.
        "termsOfUseUrl": "https://it.contoso.example/help",
    }


def test_the_colour_icon_is_192_square_and_opaque(package: zipfile.ZipFile) -> None:
    width, height, rows = read_png(package.read("color.png"))
    assert (width, height) == (192, 192)
    colours = pixels(rows)
    assert all(alpha == 255 for *_, alpha in colours)
    assert len({colour[:3] for colour in colours}) > 3, "a picture, not a plain square"


def test_the_outline_icon_is_32_square_white_on_transparent(package: zipfile.ZipFile) -> None:
    width, height, rows = read_png(package.read("outline.png"))
    assert (width, height) == (32, 32)
    colours = pixels(rows)
    alphas = [alpha for *_, alpha in colours]
    assert alphas.count(0) > len(colours) // 3, "mostly transparent background"
    assert alphas.count(255) > 32, "a solid mark"
    assert all(colour[:3] == (255, 255, 255) for colour in colours if colour[3]), "white only"
    assert all(alpha == 0 for alpha in (alphas[0], alphas[31], alphas[-32], alphas[-1]))


def test_the_package_is_the_same_bytes_every_time(
    settings: TeamsSettings, tmp_path: pathlib.Path
) -> None:
    first = write_package(settings, tmp_path / "a.zip").read_bytes()
    assert write_package(settings, tmp_path / "b.zip").read_bytes() == first


def test_a_folder_as_out_gets_the_usual_file_name(
    settings: TeamsSettings, tmp_path: pathlib.Path
) -> None:
    assert write_package(settings, tmp_path) == tmp_path / "cxbot-teams.zip"


def test_fine_settings_have_no_problems(settings: TeamsSettings) -> None:
    assert package_problems(settings) == []


def test_a_missing_app_id_is_a_plain_problem_and_no_package(tmp_path: pathlib.Path) -> None:
    settings = TeamsSettings(website_url="https://it.contoso.example/help")
    assert package_problems(settings) == ["set MICROSOFT_APP_ID to the bot's app id"]
    with pytest.raises(CxbotError, match="MICROSOFT_APP_ID"):
        write_package(settings, tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"app_id": "my-bot"}, "MICROSOFT_APP_ID"),
        ({"website_url": "https://example.com/cxbot"}, "CXBOT_TEAMS_WEBSITE_URL"),
        ({"website_url": "http://it.contoso.example"}, "CXBOT_TEAMS_WEBSITE_URL"),
        ({"privacy_url": "it.contoso.example/privacy"}, "CXBOT_TEAMS_PRIVACY_URL"),
        ({"terms_url": "ftp://it.contoso.example/terms"}, "CXBOT_TEAMS_TERMS_URL"),
        ({"app_name": "Contoso Information Technology Desk"}, "CXBOT_TEAMS_APP_NAME"),
        ({"app_name": "  "}, "CXBOT_TEAMS_APP_NAME"),
        ({"developer_name": "x" * 33}, "CXBOT_TEAMS_DEVELOPER_NAME"),
        ({"app_version": "2"}, "CXBOT_TEAMS_APP_VERSION"),
    ],
)
def test_each_wrong_setting_is_named_in_one_line(
    settings: TeamsSettings, changes: dict, variable: str
) -> None:
    problems = package_problems(settings.model_copy(update=changes))
    assert len(problems) == 1 and variable in problems[0], problems


def test_the_package_version_can_be_raised_for_a_new_upload(tmp_path: pathlib.Path) -> None:
    settings = TeamsSettings(
        app_id=APP_ID, website_url="https://it.contoso.example/help", app_version="3.1.4"
    )
    with zipfile.ZipFile(write_package(settings, tmp_path / "p.zip")) as archive:
        assert json.loads(archive.read("manifest.json"))["version"] == "3.1.4"


def test_the_package_settings_are_read_from_the_variables_the_problems_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable, value in {
        "MICROSOFT_APP_ID": APP_ID,
        "CXBOT_TEAMS_WEBSITE_URL": "https://it.contoso.example/help",
        "CXBOT_TEAMS_PRIVACY_URL": "https://it.contoso.example/privacy",
        "CXBOT_TEAMS_TERMS_URL": "https://it.contoso.example/terms",
        "CXBOT_TEAMS_APP_VERSION": "2.0.0",
    }.items():
        monkeypatch.setenv(variable, value)
    settings = TeamsSettings()
    assert (settings.privacy_url, settings.terms_url, settings.app_version) == (
        "https://it.contoso.example/privacy",
        "https://it.contoso.example/terms",
        "2.0.0",
    )
    assert package_problems(settings) == []
