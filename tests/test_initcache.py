"""`terraform init` once per distinct set of inputs (src/trailwatch/harness/initcache.py): a copied
init is byte for byte what `terraform init` writes, Terraform accepts it, and configs whose
init could differ are told apart."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from trailwatch.harness import initcache, statestore
from trailwatch.harness.terraform import Stack, stage, terraform_binary, terraform_env


def _written(config: Path) -> dict[str, str]:
    """What init wrote: each file's text, and each link's target."""
    found: dict[str, str] = {}
    for rel in initcache.WRITTEN:
        for path in (
            [config / rel, *sorted((config / rel).rglob("*"))] if (config / rel).is_dir() else [config / rel]
        ):
            if path.is_symlink():
                found[str(path.relative_to(config))] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[str(path.relative_to(config))] = path.read_text()
    return found


@pytest.mark.parametrize("backend", [False, True], ids=["local-state", "harness-http-backend"])
def test_a_copied_init_is_what_terraform_init_writes(
    tmp_path: Path, backend: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the harness's backend block (statestore), init also writes the backend's
    # configuration, which must be copied too (init reads the state at the address).
    files = {statestore.BACKEND_FILE: statestore.BACKEND_BLOCK} if backend else None
    if backend:
        monkeypatch.setenv("TF_HTTP_ADDRESS", statestore.register(tmp_path)["TF_HTTP_ADDRESS"])
    first, second = Stack("minimal", extra_files=files), Stack("minimal", extra_files=files)
    real = stage("minimal", workdir=tmp_path / "real", extra_files=files)
    try:
        first.init()
        assert "reused what terraform init wrote" in second.init()
        copied = _written(second.dir)
        env = {**os.environ, **terraform_env()}
        init = subprocess.run(
            [terraform_binary(), "init", "-input=false", "-no-color"],
            cwd=real,
            env=env,
            capture_output=True,
            text=True,
        )
        assert init.returncode == 0, init.stderr
        assert copied == _written(real)
        assert {".terraform.lock.hcl", ".terraform/modules/modules.json"} <= set(copied)
        assert (".terraform/terraform.tfstate" in copied) == backend
        assert any(v.startswith("-> ") for v in copied.values()), "no provider link"
        # Terraform takes the copy as initialised: no "run terraform init" error.
        check = subprocess.run(
            [terraform_binary(), "validate", "-no-color"],
            cwd=second.dir,
            env=env,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
    finally:
        first.cleanup()
        second.cleanup()


MODULE = """
module "trailwatch" {
  source      = "../../"
  name_prefix = "%s"
}
"""


def _inputs(tmp_path: Path, name: str, files: dict[str, str]) -> str | None:
    src = tmp_path / "src" / name
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)
    return initcache.inputs(stage(src, workdir=tmp_path / name))


def test_configs_whose_init_could_differ_are_told_apart(tmp_path: Path) -> None:
    base = _inputs(tmp_path, "a", {"main.tf": MODULE % "one"})
    assert base is not None
    # Module arguments, variables, outputs: init reads none of them.
    assert (
        _inputs(tmp_path, "b", {"main.tf": MODULE % "two", "outputs.tf": 'output "x" { value = 1 }'}) == base
    )
    # The same call written as JSON, with the source spelled as in HCL.
    as_json = {"module": {"trailwatch": {"source": "../../", "name_prefix": "one"}}}
    assert _inputs(tmp_path, "c", {"main.tf.json": json.dumps(as_json)}) == base
    differ = {
        "another module call": {
            "main.tf": MODULE % "one" + 'module "more" {\n  source = "../../modules/allowlist"\n}\n'
        },
        "another provider": {
            "main.tf": MODULE % "one" + 'resource "random_id" "x" {\n  byte_length = 4\n}\n'
        },
        "a data source of another provider, in a check": {
            "main.tf": MODULE % "one" + 'check "c" {\n  data "http" "h" {\n    url = "https://x"\n  }\n}\n'
        },
        "a provider requirement": {
            "main.tf": MODULE % "one",
            "versions.tf": 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = ">= 5.70"\n    }\n  }\n}\n',
        },
        "a module inside the config's folder": {"main.tf": MODULE % "one", "sub/main.tf": "# a local module"},
        "the harness's backend block": {
            "main.tf": MODULE % "one",
            statestore.BACKEND_FILE: statestore.BACKEND_BLOCK,
        },
    }
    seen = {base}
    for what, files in differ.items():
        key = _inputs(tmp_path, what.replace(" ", "-").replace(",", "").replace("'", ""), files)
        assert key is not None and key not in seen, what
        seen.add(key)
    # The staged module tree is part of the inputs.
    staged = stage(tmp_path / "src" / "a", workdir=tmp_path / "edited")
    (staged.parent.parent / "modules" / "allowlist" / "main.tf").write_text("# edited")
    assert initcache.inputs(staged) not in seen
    # Inputs it cannot know: a real init.
    for what, files in {
        "a backend": {"main.tf": MODULE % "one" + 'terraform {\n  backend "s3" {}\n}\n'},
        "an http backend with its address written": {
            "main.tf": MODULE % "one",
            statestore.BACKEND_FILE: 'terraform {\n  backend "http" {\n    address = "http://x"\n  }\n}\n',
        },
        "terraform test files": {"main.tf": MODULE % "one", "x.tftest.json": "{}"},
        "a file that does not parse": {"main.tf": MODULE % "one" + "resource {"},
    }.items():
        assert _inputs(tmp_path, what.replace(" ", "-"), files) is None, what
