"""Every HCL usage example in the READMEs is formatted and plans on the emulator, in the
style of cloud-foundation-fabric: docs that cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from trailwatch.emulator import Emulator
from trailwatch.terraform import REPO_ROOT, Stack

READMES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "modules").glob("*/README.md"))]
BLOCK = re.compile(r"```hcl\n(.*?)```", re.S)

pytestmark = pytest.mark.emulator


def _blocks() -> list[tuple[str, str]]:
    out = []
    for readme in READMES:
        for i, m in enumerate(BLOCK.finditer(readme.read_text())):
            out.append((f"{readme.relative_to(REPO_ROOT)}#{i + 1}", m.group(1)))
    return out


BLOCKS = _blocks()


def test_the_readmes_have_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize(("where", "hcl"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_readme_example_is_formatted_and_plans(
    where: str, hcl: str, emulator: Emulator, terraform: str
) -> None:
    fmt = subprocess.run([terraform, "fmt", "-"], input=hcl, capture_output=True, text=True, check=True)
    assert fmt.stdout == hcl, f"{where} is not `terraform fmt` clean"
    # A registry address or a path inside the repo becomes the local copy of the module.
    local = hcl.replace('source = "<namespace>/trailwatch/aws"', 'source = "../../"')
    local = re.sub(r'source = "\./modules/([\w-]+)"', r'source = "../../modules/\1"', local)
    src = Path(tempfile.mkdtemp(prefix="trailwatch-readme-")) / "readme"
    src.mkdir()
    (src / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n\n' + local)
    # A bring-your-own example names a log group that already exists (Control Tower's): the
    # module refuses to plan without it, so the account gets it first.
    for group in re.findall(r'existing_log_group_name\s*=\s*"([^"]+)"', hcl):
        emulator.client("logs").create_log_group(logGroupName=group)
    stack = Stack(src, emulator=emulator)
    try:
        plan = stack.plan()
        assert plan.resource_changes, f"{where} plans nothing"
    finally:
        stack.cleanup()
