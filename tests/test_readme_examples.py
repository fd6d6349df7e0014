"""Every HCL usage example in the READMEs is formatted and plans on the emulator, in the
style of cloud-foundation-fabric: docs that cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from trailwatch.emulator import Emulator
from trailwatch.terraform import REPO_ROOT, plan_files

READMES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "modules").glob("*/README.md"))]
BLOCK = re.compile(r"```hcl\n(.*?)```", re.S)

# One plan for every block (module fixture): the tests run in one xdist worker.
pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("readme-examples")]


def _blocks() -> list[tuple[str, str]]:
    out = []
    for readme in READMES:
        for i, m in enumerate(BLOCK.finditer(readme.read_text())):
            out.append((f"{readme.relative_to(REPO_ROOT)}#{i + 1}", m.group(1)))
    return out


BLOCKS = _blocks()


def test_the_readmes_have_examples() -> None:
    assert len(BLOCKS) >= 5


def _local(hcl: str) -> str:
    """A block as a child module of the staged root: a registry address or a path inside the
    repo becomes the local copy of the module."""
    local = hcl.replace('source = "<namespace>/trailwatch/aws"', 'source = "../../../"')
    return re.sub(r'source = "\./modules/([\w-]+)"', r'source = "../../../modules/\1"', local)


@pytest.fixture(scope="module")
def planned(emulator_session: Emulator, terraform: str) -> Iterator[dict[str, list[str]]]:
    """One plan of a root config that holds every block as a module of its own (one Terraform
    run for all blocks): each block's planned resource changes, by block."""
    emulator_session.reset()
    # A bring-your-own block names a log group that already exists (Control Tower's): the
    # module refuses to plan without it, so the account gets it first.
    groups = {g for _, hcl in BLOCKS for g in re.findall(r'existing_log_group_name\s*=\s*"([^"]+)"', hcl)}
    for group in sorted(groups):
        emulator_session.client("logs").create_log_group(logGroupName=group)
    files = {f"block-{i}/main.tf": _local(hcl) for i, (_, hcl) in enumerate(BLOCKS)}
    calls = [f'module "block_{i}" {{\n  source = "./block-{i}"\n}}\n' for i in range(len(BLOCKS))]
    files["main.tf"] = 'provider "aws" {\n  region = "us-east-1"\n}\n\n' + "\n".join(calls)
    plan = plan_files(files, emulator_session, "readme")
    yield {
        where: [a for a in plan.resource_changes if a.startswith(f"module.block_{i}.")]
        for i, (where, _) in enumerate(BLOCKS)
    }


@pytest.mark.parametrize(("where", "hcl"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_readme_example_is_formatted_and_plans(
    where: str, hcl: str, planned: dict[str, list[str]], terraform: str
) -> None:
    fmt = subprocess.run([terraform, "fmt", "-"], input=hcl, capture_output=True, text=True, check=True)
    assert fmt.stdout == hcl, f"{where} is not `terraform fmt` clean"
    assert planned[where], f"{where} plans nothing"
