"""The Terraform harness: binary lookup, CLI config, staging, provider override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailwatch.harness import terraform as tfh
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.envflag import env_flag


def test_missing_terraform_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERRAFORM", "terraform-that-does-not-exist")
    with pytest.raises(tfh.TerraformNotFound, match=r"not found on PATH\. Install Terraform"):
        tfh.terraform_binary()


def test_cli_config_uses_the_mirror_and_a_shared_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io" / "hashicorp" / "aws").mkdir(parents=True)
    monkeypatch.setenv("TRAILWATCH_TF_MIRROR", str(mirror))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR", raising=False)
    text = tfh.cli_config().read_text()
    assert f'path    = "{mirror}"' in text
    assert "filesystem_mirror" in text and "direct" in text
    assert f'plugin_cache_dir = "{tmp_path / "cache" / "trailwatch" / "terraform-plugin-cache"}"' in text
    assert (tmp_path / "cache" / "trailwatch" / "terraform-plugin-cache").is_dir()


def test_cli_config_without_mirror_keeps_the_registry_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILWATCH_TF_MIRROR", str(tmp_path / "no-mirror"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = tfh.cli_config().read_text()
    assert "provider_installation" not in text  # Terraform's default: the registry
    assert "plugin_cache_dir" in text


def test_every_service_of_every_provider_block_reaches_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    # The endpoint is the environment's (AWS_ENDPOINT_URL, for every service and alias), not
    # an `endpoints` block, which the provider re-validates at about 3 CPU-s per command. A
    # service-specific variable in the caller's environment would win: it is overridden too.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.us-east-1.amazonaws.com")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    emu = Emulator(port=4566)
    env = emu.env()
    assert env["AWS_ENDPOINT_URL"] == env["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:4566"
    assert env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] == "false"
    assert tfh.terraform_env(emu)["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    text = emu.provider_override(("us_east_2",))
    assert text.count('provider "aws" {') == 2
    assert 'alias = "us_east_2"' in text
    assert "endpoints" not in text and "amazonaws.com" not in text
    for flag in ("skip_credentials_validation", "skip_metadata_api_check", "skip_requesting_account_id"):
        assert f"{flag} = true" in " ".join(text.split())
    assert "s3_use_path_style           = true" in text


def test_provider_aliases_are_found(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\nprovider "aws" {\n  alias  = "ohio"\n  region = "us-east-2"\n}\n'
    )
    assert tfh.provider_aliases(tmp_path) == ("ohio",)


def test_stage_keeps_relative_module_sources_valid() -> None:
    emu = Emulator(port=4566)
    staged = tfh.stage("minimal", emulator=emu)
    try:
        assert (staged / "main.tf").exists()
        assert (staged / tfh.OVERRIDE_FILE).exists()
        root = (staged / "../..").resolve()
        for part in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "modules/trail/main.tf"):
            assert (root / part).exists(), part
        assert not (staged / ".terraform").exists()
    finally:
        import shutil

        shutil.rmtree(staged.parent.parent)


def test_module_config_is_json_terraform() -> None:
    doc = json.loads(tfh.module_config({"create_trail": False, "existing_log_group_name": "g"}))
    assert doc["module"]["trailwatch"] == {
        "source": "../../",
        "create_trail": False,
        "existing_log_group_name": "g",
    }
    assert doc["provider"]["aws"]["region"] == "us-east-1"


class _FakeStack:
    """A stack whose destroy can fail; records what was called."""

    def __init__(self, destroy_error: Exception | None = None) -> None:
        self.destroy_error = destroy_error
        self.calls: list[str] = []

    def destroy(self, tf_vars: dict[str, object] | None = None) -> str:
        self.calls.append("destroy")
        if self.destroy_error is not None:
            raise self.destroy_error
        return ""

    def cleanup(self) -> None:
        self.calls.append("cleanup")


def test_a_failing_destroy_never_hides_the_original_failure() -> None:
    stack = _FakeStack(RuntimeError("destroy failed: DeleteTrail timed out"))
    with pytest.raises(AssertionError) as caught, tfh.destroyed_after(stack):
        raise AssertionError("plan differs from inventory")
    assert str(caught.value) == "plan differs from inventory"
    assert caught.value.__notes__ == [
        "then the destroy failed too: RuntimeError: destroy failed: DeleteTrail timed out"
    ]
    assert stack.calls == ["destroy", "cleanup"]


def test_a_failing_destroy_after_a_passing_body_fails() -> None:
    stack = _FakeStack(RuntimeError("destroy failed"))
    with pytest.raises(RuntimeError, match="destroy failed"), tfh.destroyed_after(stack):
        pass
    assert stack.calls == ["destroy", "cleanup"]
    ok = _FakeStack()
    with tfh.destroyed_after(ok):
        pass
    assert ok.calls == ["destroy", "cleanup"]


@pytest.mark.parametrize(
    ("value", "off_by_default", "on_by_default"),
    [
        (None, False, True),
        ("", False, True),
        ("1", True, True),
        ("TRUE", True, True),
        ("yes", True, True),
        ("0", False, False),
        ("False", False, False),
        ("no", False, False),
        ("maybe", False, True),
    ],
)
def test_an_env_flag_is_read_one_way(
    value: str | None, off_by_default: bool, on_by_default: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness's switches (CI, the shared provider, its proxy, the state server): an
    unset or empty variable keeps the default; otherwise only the other side's words flip it."""
    if value is None:
        monkeypatch.delenv("TRAILWATCH_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("TRAILWATCH_TEST_FLAG", value)
    assert env_flag("TRAILWATCH_TEST_FLAG") is off_by_default
    assert env_flag("TRAILWATCH_TEST_FLAG", default=True) is on_by_default
