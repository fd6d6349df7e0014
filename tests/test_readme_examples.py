"""Every HCL usage example in the READMEs and the docs pages is formatted and plans on the
emulator, in the style of cloud-foundation-fabric: docs that cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import REPO_ROOT, plan_files

READMES = [
    REPO_ROOT / "README.md",
    *sorted((REPO_ROOT / "docs").glob("*.md")),
    *sorted((REPO_ROOT / "modules").glob("*/README.md")),
]
BLOCK = re.compile(r"```hcl\n(.*?)```", re.S)
#: The registry address of the module; a submodule is REGISTRY//modules/<name>.
REGISTRY = "<namespace>/trailwatch/aws"

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
    # The pages the README's long sections moved to keep their examples under test.
    assert {"docs/routing.md#1", "docs/chat.md#1"} <= {where for where, _ in BLOCKS}


def test_every_submodule_readme_shows_its_module_in_use() -> None:
    """Each modules/<name>/README.md has a usage block that calls modules/<name> by its
    registry address (planned with the others below: a module without resources, such as
    modules/detections, is shown feeding a resource of the reader's own)."""
    missing = []
    for readme in sorted((REPO_ROOT / "modules").glob("*/README.md")):
        name = readme.parent.name
        source = re.compile(r'source\s*= "' + re.escape(f"{REGISTRY}//modules/{name}") + '"')
        if not any(source.search(hcl) for where, hcl in BLOCKS if where.startswith(f"modules/{name}/")):
            missing.append(name)
    assert not missing, f"submodule READMEs without a usage block of their module: {missing}"


def test_the_readme_starts_with_usage() -> None:
    """The first screen (40 lines) of README.md holds a module block with the registry source
    and the release's version constraint (it plans with the others, as README.md#1), and the
    two commands that set up and try everything."""
    head = "\n".join((REPO_ROOT / "README.md").read_text().splitlines()[:40])
    (first, *_) = BLOCKS
    assert first[0] == "README.md#1" and f"```hcl\n{first[1]}```" in head
    assert re.search(
        r'module "trailwatch" \{\n  source\s*= "'
        + re.escape(REGISTRY)
        + r'"\n  version\s*= "'
        + re.escape(_release())
        + r'"\n',
        first[1],
    )
    commands = re.search(r"```sh\n(.*?)```", head, re.S)
    assert commands, "no commands on the README's first screen"
    assert [line.split("#")[0].strip() for line in commands.group(1).splitlines()] == [
        "make demo",
        "make test",
    ]


def _release() -> str:
    """The version constraint a usage block carries: ``~> X.Y.Z`` for the CHANGELOG's latest
    version section (patch releases of that minor version only, while it is 0.x)."""
    m = re.search(r"^## \[(\d+)\.(\d+)\.(\d+)\]", (REPO_ROOT / "CHANGELOG.md").read_text(), re.M)
    assert m, "CHANGELOG.md has no version section"
    major, minor, patch = m.groups()
    return f"~> {major}.{minor}.{patch}" if major == "0" else f"~> {major}.{minor}"


def test_usage_blocks_work_when_copied() -> None:
    """Every module call in a README names the registry address (a submodule in its
    ``//modules/<name>`` form, never a path that works only inside a clone) and the version
    constraint of the release the CHANGELOG prepares."""
    calls = 0
    for where, hcl in BLOCKS:
        for call in re.finditer(
            r'module "[\w-]+" \{\n  source\s*= "([^"]+)"\n  version\s*= "([^"]+)"\n', hcl
        ):
            source, version = call.groups()
            assert source == REGISTRY or re.fullmatch(re.escape(REGISTRY) + r"//modules/[\w-]+", source), (
                where
            )
            module = source.partition("//")[2]
            assert not module or (REPO_ROOT / module / "main.tf").exists(), f"{where}: no {module}"
            assert version == _release(), f"{where}: version {version}, the release is {_release()}"
            calls += 1
        assert hcl.count('module "') == len(re.findall(r'\n  version\s*= "', hcl)), (
            f"{where}: a call without version"
        )
    assert calls >= 9


def test_the_release_is_one_version_everywhere() -> None:
    """The CHANGELOG's newest version section is the Python package's version too (the CLI
    ships with the module it reads)."""
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    m = re.search(
        r"^## \[([0-9.]+)\] - (unreleased|\d{4}-\d{2}-\d{2})$", (REPO_ROOT / "CHANGELOG.md").read_text(), re.M
    )
    assert m, "CHANGELOG.md: no '## [X.Y.Z] - unreleased|YYYY-MM-DD' section"
    assert project["version"] == m.group(1)


def _local(hcl: str) -> str:
    """A block as a child module of the staged root: the registry address (and its
    ``//modules/<name>`` submodules) becomes the local copy, which takes no version."""
    local = re.sub(r'\n  version\s*= "[^"]*"\n', "\n", hcl)
    local = re.sub(
        r'source\s*= "' + re.escape(REGISTRY) + r'//modules/([\w-]+)"',
        r'source = "../../../modules/\1"',
        local,
    )
    return re.sub(r'source\s*= "' + re.escape(REGISTRY) + '"', 'source = "../../../"', local)


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
