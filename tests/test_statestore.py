"""The harness's HTTP state server (src/trailwatch/harness/statestore.py): Terraform's `http`
backend reads and writes each registered stack's state at `terraform.tfstate` in its folder,
and nothing else is served."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from trailwatch.harness import statestore


def _call(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_a_registered_folder_holds_what_terraform_posts(tmp_path: Path) -> None:
    url = statestore.register(tmp_path)["TF_HTTP_ADDRESS"]
    state = tmp_path / statestore.STATE_FILE
    assert _call(url) == (404, b""), "no state before the first write: Terraform starts empty"
    body = b'{"version": 4, "serial": 1, "resources": []}\n'
    assert _call(url, "POST", body)[0] == 200
    assert state.read_bytes() == body, "stored byte for byte where the local backend keeps it"
    assert _call(url + "?ID=x") == (200, body), "a query string does not change the state named"
    assert [p.name for p in tmp_path.iterdir()] == [statestore.STATE_FILE], "no partial file left"
    assert _call(url, "DELETE")[0] == 200
    assert not state.exists()


def test_only_registered_folders_are_served(tmp_path: Path) -> None:
    url = statestore.register(tmp_path)["TF_HTTP_ADDRESS"]
    other = url.rsplit("/", 1)[0] + "/" + "0" * 32
    assert _call(other)[0] == 403
    assert _call(other, "POST", b"{}")[0] == 403
    statestore.unregister(tmp_path)
    assert _call(url, "POST", b"{}")[0] == 403, "a removed stack's folder is not written"
    assert not (tmp_path / statestore.STATE_FILE).exists()


@pytest.mark.parametrize("value", ["1", "true", "0", ""])
def test_only_the_harness_turns_it_on(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(statestore.ENABLE_VAR, value)
    assert statestore.enabled() == (value in {"1", "true"})
