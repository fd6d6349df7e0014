"""Inputs/outputs tables for module READMEs, generated from variables*.tf and outputs.tf.

terraform-docs is not available everywhere, so the repo generates its own tables between
``<!-- BEGIN_TF_DOCS -->`` and ``<!-- END_TF_DOCS -->``. ``python -m trailwatch.maint docs
--check`` (and the test suite) fails when a README is stale; ``make docs`` regenerates them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"


#: A heredoc as python-hcl2 gives it: in quotes, the opening marker (``<<EOT`` or the
#: indented ``<<-EOT``) on the first line, the closing marker on the last.
_HEREDOC = re.compile(r'"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\n(.*?)^[ \t]*\2"\Z', re.S | re.M)


def _heredoc(value: str) -> str | None:
    """The string a heredoc means (Terraform, "Strings and Templates", "Heredoc Strings"):
    its lines with a newline each; an indented heredoc (``<<-``) loses the smallest leading
    space of its non-blank lines. None if ``value`` is not a heredoc."""
    m = _HEREDOC.match(value)
    if m is None:
        return None
    lines = m.group(3).splitlines()
    if m.group(1):
        margin = min((len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()), default=0)
        lines = [x[margin:] for x in lines]
    text = "".join(x + "\n" for x in lines)
    return text.replace("$${", "${").replace("%%{", "%{")


def _unquote(value: Any) -> Any:
    """A value as python-hcl2 gives it, as Terraform means it: a string keeps its HCL quotes
    there ('"a"'), at any depth of a list or an object (keys included); a heredoc its
    markers."""
    if isinstance(value, str):
        if (text := _heredoc(value)) is not None:
            return text
        if len(value) >= 2 and value[0] == value[-1] == '"':
            try:
                text = json.loads(value)
            except ValueError:  # an escape JSON does not have, or a template
                text = value[1:-1]
            # HCL's own escapes of a literal "${" and "%{" (Terraform, "Strings and Templates").
            return str(text).replace("$${", "${").replace("%%{", "%{")
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {str(_unquote(k)): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    if not path.exists():
        return []
    with path.open() as fh:
        doc = hcl2.load(fh)
    out = []
    for entry in doc.get(kind, []):
        for name, body in entry.items():
            out.append((str(_unquote(name)), body))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _prose(text: str) -> str:
    """A description as one line of a table: a heredoc's lines (a long description wrapped
    to fit the .tf file) joined by one space, without its final newline."""
    return " ".join(line.strip() for line in text.strip("\n").split("\n"))


#: HCL's string escapes (Terraform, "Strings and Templates"): quote, backslash, newline, carriage
#: return and tab by name, any other control character as \uNNNN.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"} | {
    chr(c): f"\\u{c:04x}" for c in [*range(0x20), 0x7F] if chr(c) not in "\n\r\t"
}


def _hcl(value: Any) -> str:
    """A value as HCL writes it, on one line, as a user would copy it into a .tf or .tfvars
    file: lists in brackets, maps and objects as ``{ "key" = value, ... }`` (every key quoted,
    as `terraform console` prints them), strings with HCL's escapes, ``${`` and ``%{`` doubled
    so that they stay literal (Terraform, "Strings and Templates")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        escaped = "".join(_ESCAPES.get(c, c) for c in value)
        return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_hcl(str(k))} = {_hcl(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no HCL form for {value!r}")


def _default(value: Any) -> str:
    return f"`{_hcl(_unquote(value))}`"


def render(module_dir: Path) -> str:
    lines = ["## Inputs", ""]
    # variables.tf, and the variables-<concern>.tf files a module splits its inputs into.
    variables = [b for path in sorted(module_dir.glob("variables*.tf")) for b in _blocks(path, "variable")]
    if variables:
        lines += ["| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
        for name, body in sorted(variables):
            typ = re.sub(r"\s+", " ", str(_unquote(body.get("type", "any"))))
            required = "default" not in body
            default = "n/a" if required else _default(body["default"])
            desc = _cell(_prose(str(_unquote(body.get("description", "")))))
            lines.append(
                f"| `{name}` | {desc} | `{_cell(typ)}` | {_cell(default)} | {'yes' if required else 'no'} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    outputs = _blocks(module_dir / "outputs.tf", "output")
    if outputs:
        lines += ["| Name | Description |", "|---|---|"]
        for name, body in sorted(outputs):
            desc = _cell(_prose(str(_unquote(body.get("description", "")))))
            lines.append(f"| `{name}` | {desc} |")
    else:
        lines.append("No outputs.")
    return "\n".join(lines) + "\n"


def module_dirs(repo: Path) -> list[Path]:
    dirs = [repo, *sorted(p for p in (repo / "modules").iterdir() if (p / "variables.tf").exists())]
    dirs += sorted(p for p in (repo / "examples").iterdir() if (p / "main.tf").exists())
    return dirs


def update(readme: Path, module_dir: Path) -> bool:
    """Rewrite the generated section of ``readme``; return True if it changed."""
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{readme} has no {BEGIN} ... {END} section")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{render(module_dir)}{END}{tail}"
    if new != text:
        readme.write_text(new)
        return True
    return False


def stale(repo: Path) -> list[Path]:
    """READMEs whose generated section differs from variables.tf/outputs.tf."""
    out = []
    for d in module_dirs(repo):
        readme = d / "README.md"
        text = readme.read_text() if readme.exists() else ""
        if BEGIN not in text or END not in text:
            out.append(readme)
            continue
        current = text.split(BEGIN, 1)[1].split(END, 1)[0]
        if current != "\n" + render(d):
            out.append(readme)
    return out
