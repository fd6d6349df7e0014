"""Terraform files a reader can scan (issue 25): no line of a .tf file is longer than LIMIT
characters, except the few that cannot be broken, listed in UNBREAKABLE with the reason.

Long descriptions and error messages are indented heredocs (``<<-EOT``) wrapped at about 100
columns (python -m trailwatch.maint docs joins a description's lines again for the README
tables); an error message with a long interpolation is a ``join("", [...])`` of its pieces,
because ``terraform fmt`` mangles the indentation of an interpolation that spans lines inside
a heredoc; long expressions break inside brackets, parentheses, ``for`` expressions and
conditionals, where ``terraform fmt`` keeps them.
"""

from __future__ import annotations

from pathlib import Path

from trailwatch.harness.terraform import REPO_ROOT

LIMIT = 120

#: The email address pattern (the WHATWG HTML "valid e-mail address" production), a regular
#: expression literal: one token that a break would have to cut into concatenated pieces.
EMAIL_PATTERN = (
    "\"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    '(?:\\\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",'
)

#: (file, the line without its indentation) -> why it stays longer than LIMIT.
UNBREAKABLE: dict[tuple[str, str], str] = {
    ("variables-notifications.tf", EMAIL_PATTERN): "a regular expression literal: one token",
}


def tf_files(root: Path) -> list[Path]:
    """Every .tf file of the repository (not Terraform's or Python's working directories)."""
    skip = {".terraform", ".venv", ".venv-checkov", ".git"}
    return sorted(p for p in root.rglob("*.tf") if not skip & set(p.relative_to(root).parts))


def long_lines(root: Path) -> list[tuple[str, int, int, str]]:
    """(file, line number, length, the line without its indentation) of every line longer
    than LIMIT."""
    out = []
    for path in tf_files(root):
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if len(line) > LIMIT:
                out.append((path.relative_to(root).as_posix(), no, len(line), line.strip()))
    return out


def test_no_tf_line_is_longer_than_the_limit() -> None:
    found = [
        f"{f}:{no}: {n} characters"
        for f, no, n, text in long_lines(REPO_ROOT)
        if (f, text) not in UNBREAKABLE
    ]
    assert not found, f"lines over {LIMIT} characters (break them, see this file's docstring):\n" + "\n".join(
        found
    )


def test_every_exception_is_still_needed() -> None:
    """An exception that no longer matches a long line is removed, so the list stays short."""
    excused = {(f, text) for f, _, _, text in long_lines(REPO_ROOT)}
    assert set(UNBREAKABLE) <= excused, set(UNBREAKABLE) - excused
    assert len(UNBREAKABLE) <= 3


def test_the_check_finds_a_long_line_in_any_tf_file(tmp_path: Path) -> None:
    (tmp_path / "modules" / "m").mkdir(parents=True)
    (tmp_path / "modules" / "m" / "main.tf").write_text("locals {\n  a = 1\n  b = " + "1 + " * 40 + "1\n}\n")
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "x.tf").write_text("#" * 200 + "\n")
    assert [(f, no) for f, no, _, _ in long_lines(tmp_path)] == [("modules/m/main.tf", 3)]
