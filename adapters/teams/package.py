"""The Teams app package: the zip a Teams admin uploads to make the bot available.

It holds manifest.json and the two icons. The manifest's id is the bot's own app id: the Teams
app and the bot it carries are one thing here, so the admin recognises a single GUID everywhere
and it stays stable across uploads (a uuid5 derived from it would be just as stable, but a
second GUID to explain). The zip's entries carry a fixed date, so the same settings always give
the same bytes and a changed package is a real change.
"""

from __future__ import annotations

import json
import pathlib
import re
import zipfile
from importlib.metadata import version as installed_version

from adapters.teams import icons
from adapters.teams.settings import TeamsSettings
from bot import messages as m
from bot.errors import CxbotError

MANIFEST_VERSION = "1.22"
SCHEMA_URL = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}"
    "/MicrosoftTeams.schema.json"
)
DEFAULT_NAME = "cxbot-teams.zip"

# The admin's words (the lead moves them to bot/messages.py): one line per wrong setting.
PROBLEMS = {
    "app_id": "set MICROSOFT_APP_ID to the bot's app id",
    "app_id_shape": (
        "MICROSOFT_APP_ID should be the bot's app id, a GUID like"
        " 6f1c2f9e-3b7a-4c2d-9a51-0d2b7e4c8a10"
    ),
    "website_url": (
        "set CXBOT_TEAMS_WEBSITE_URL to your IT support page (https://…);"
        " Teams links to it from the app's details"
    ),
    "privacy_url": "CXBOT_TEAMS_PRIVACY_URL should be a page address starting with https://",
    "terms_url": "CXBOT_TEAMS_TERMS_URL should be a page address starting with https://",
    "app_name": "CXBOT_TEAMS_APP_NAME should be 1 to 30 characters",
    "developer_name": "CXBOT_TEAMS_DEVELOPER_NAME should be 1 to 32 characters",
    "app_version": "CXBOT_TEAMS_APP_VERSION should be three numbers, like 1.0.0",
}
# What Teams shows about the app, in its store page and command menu.
WORDS = m.TEAMS_APP
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
# The placeholder the settings ship with; a package pointing there would send people nowhere.
_PLACEHOLDER_SITE = "https://example.com/"
# Zip entries are dated the earliest date zip can hold, so nothing about the run leaks in.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def package_problems(settings: TeamsSettings) -> list[str]:
    """One plain line per setting that would make a package Teams refuses or that misleads."""
    problems = []
    if not settings.app_id:
        problems.append(PROBLEMS["app_id"])
    elif not _GUID.match(settings.app_id):
        problems.append(PROBLEMS["app_id_shape"])
    website = settings.website_url
    if not _is_https(website) or website.startswith(_PLACEHOLDER_SITE):
        problems.append(PROBLEMS["website_url"])
    for field in ("privacy_url", "terms_url"):
        page = getattr(settings, field)
        if page is not None and not _is_https(page):
            problems.append(PROBLEMS[field])
    if not 0 < len(settings.app_name.strip()) <= 30:
        problems.append(PROBLEMS["app_name"])
    if not 0 < len(settings.developer_name.strip()) <= 32:
        problems.append(PROBLEMS["developer_name"])
    if not _SEMVER.match(_app_version(settings)):
        problems.append(PROBLEMS["app_version"])
    return problems


def write_package(settings: TeamsSettings, out: pathlib.Path) -> pathlib.Path:
    """Write the zip to `out` (or into it, when it is a folder); returns where it went."""
    problems = package_problems(settings)
    if problems:
        raise CxbotError("\n".join(problems))
    path = out / DEFAULT_NAME if out.is_dir() else out
    files = {
        "manifest.json": json.dumps(manifest(settings), indent=2, ensure_ascii=False) + "\n",
        "color.png": icons.color_png(),
        "outline.png": icons.outline_png(),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    return path


def manifest(settings: TeamsSettings) -> dict:
    """The manifest for these settings, which package_problems must have passed."""
    name = settings.app_name.strip()
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": _app_version(settings),
        "id": settings.app_id,
        "developer": {
            "name": settings.developer_name.strip(),
            "websiteUrl": settings.website_url,
            # An organisation's own app rarely has pages of its own for these; its IT support
            # page is where people would look, so it stands in until they are set.
            "privacyUrl": settings.privacy_url or settings.website_url,
            "termsOfUseUrl": settings.terms_url or settings.website_url,
        },
        "name": {"short": name, "full": WORDS["full_name"].format(name=name)},
        "description": {
            "short": WORDS["short_description"],
            "full": WORDS["full_description"],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*icons.ACCENT),
        "bots": [
            {
                "botId": settings.app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": _commands(track=WORDS["track"], personal=True),
                    },
                    {
                        "scopes": ["team"],
                        "commands": _commands(track=WORDS["track_team"], personal=False),
                    },
                ],
            }
        ],
        # People start in their own chat with the bot; IT adds it to their team afterwards.
        "defaultInstallScope": "personal",
    }


def _commands(*, track: str, personal: bool) -> list[dict[str, str]]:
    """The menu Teams shows; a person's own ratings and the follow-ups (which name people)
    are offered in their chat with the bot only, never in a channel."""
    own = [
        {"title": "cx-me", "description": WORDS["cx-me"]},
        {"title": "follow-ups", "description": WORDS["follow-ups"]},
    ]
    return [
        {"title": "track", "description": track},
        {"title": "cx-summary", "description": WORDS["cx-summary"]},
        *(own if personal else []),
        {"title": "help", "description": WORDS["help"]},
    ]


def _app_version(settings: TeamsSettings) -> str:
    # Teams takes an upload as an update only when this goes up; cxbot's own version does on
    # each release, and the setting covers a re-upload with changed settings in between.
    return settings.app_version or installed_version("cxbot")


def _is_https(address: str) -> bool:
    return address.lower().startswith("https://") and len(address) > len("https://")
