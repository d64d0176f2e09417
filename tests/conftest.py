"""Shared fixtures: the Sheets API emulator and service-account keys it accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.sheets_emulator import SheetsEmulator, generate_key_pair, service_account_info

# Every property test runs the same examples on every machine, CI included: no flaky runs,
# and no example database written into the work tree.
settings.register_profile("sheets-sync", derandomize=True, database=None, deadline=None)
settings.load_profile("sheets-sync")

CLIENT_EMAIL = "sheets-sync@ldld-long-bien.iam.gserviceaccount.com"
PROJECT_ID = "ldld-long-bien"


@dataclass(frozen=True)
class ServiceAccountKey:
    """A key file on disk, registered with the emulator."""

    path: Path
    client_email: str
    project_id: str
    private_key: str
    info: dict[str, Any]


@pytest.fixture(scope="session")
def rsa_key_pair() -> tuple[str, bytes]:
    """One RSA key for the whole session: generating one takes a noticeable moment."""
    return generate_key_pair()


@pytest.fixture
def sheets_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SheetsEmulator]:
    """A running emulator; SHEETS_SYNC_API_ROOT points at it and retry waits are tiny."""
    with SheetsEmulator() as emulator:
        monkeypatch.setenv("SHEETS_SYNC_API_ROOT", emulator.root)
        monkeypatch.setenv("SHEETS_SYNC_RETRY_SCALE", "0.001")
        monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        yield emulator


@pytest.fixture
def service_account_key(
    sheets_emulator: SheetsEmulator, rsa_key_pair: tuple[str, bytes], tmp_path: Path
) -> ServiceAccountKey:
    """A service-account key file (mode 600) whose account the emulator knows."""
    private, public = rsa_key_pair
    sheets_emulator.register_key(CLIENT_EMAIL, public)
    info = service_account_info(sheets_emulator, private, CLIENT_EMAIL, PROJECT_ID)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    path.chmod(0o600)
    return ServiceAccountKey(path, CLIENT_EMAIL, PROJECT_ID, private, info)
