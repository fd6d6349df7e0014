"""Every .tf file runs on the declared floor: Terraform 1.5.7 and OpenTofu.

Why 1.5.7: it is the last Terraform release under the MPL, where many organizations froze,
and OpenTofu forked from that line: OpenTofu 1.6.0 has exactly Terraform 1.5.7's built-in
functions and its variable-validation rule (opentofu/opentofu at tag v1.6.0,
internal/lang/functions.go and internal/configs/named_values.go), so a configuration that
passes this test on the 1.5.7 floor also loads on every OpenTofu release. No feature this
module uses was worth losing those users: the one newer construct it had (cross-object
references in variable validations, Terraform 1.9) is written as preconditions instead.

No older binary runs here (the harness runs Terraform 1.11.4), so the test reads the
configuration itself. It tokenizes each file's HCL (strings, templates, heredocs, comments),
rebuilds its blocks and attributes, and fails on any construct whose first Terraform version
is newer than the floor its module declares (``required_version`` in the module's
``terraform`` block; the tests' own consumer configs use the root's). ``CONSTRUCTS`` below
lists each construct with its first version and its source, the Terraform CHANGELOG.md
section that announced it (read at each release's tag in hashicorp/terraform); the function
list is Terraform 1.5.7's own. Behaviour changes between releases (``can``/``try`` on
unknown values in 1.6, for example) are not syntax and are not caught here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from trailwatch.harness.terraform import REPO_ROOT

#: The floor the root module and every example declare (versions.tf: ``>= 1.5.7``).
FLOOR = (1, 5, 7)

Version = tuple[int, int, int]

#: Constructs newer than Terraform 1.0, with their first version and source. The tests below
#: hold the scanner to each row on a snippet that uses it.
CONSTRUCTS: dict[str, tuple[Version, str]] = {
    "moved block": (
        (1, 1, 0),
        "CHANGELOG 1.1.0 (December 08, 2021): `moved` blocks for refactoring within modules",
    ),
    "cloud block": ((1, 1, 0), "CHANGELOG 1.1.0: a new `cloud` block in the `terraform` settings block"),
    "nullable variable": (
        (1, 1, 0),
        'CHANGELOG 1.1.0: config: Variables can now be declared as "nullable" (#29832)',
    ),
    "precondition or postcondition": (
        (1, 2, 0),
        "CHANGELOG 1.2.0 (May 18, 2022): `precondition` and `postcondition` check blocks for resources, "
        "data sources, and module output values",
    ),
    "replace_triggered_by": (
        (1, 2, 0),
        "CHANGELOG 1.2.0: `replace_triggered_by` is a new `lifecycle` argument for managed resources",
    ),
    "optional object attribute": (
        (1, 3, 0),
        "CHANGELOG 1.3.0 (September 21, 2022): Optional attributes for object type constraints "
        "(with a default as optional's second argument)",
    ),
    "terraform_data resource": (
        (1, 4, 0),
        "CHANGELOG 1.4.0 (March 08, 2023): `terraform_data` is a new builtin managed resource type",
    ),
    "check block": (
        (1, 5, 0),
        "CHANGELOG 1.5.0 (June 12, 2023): `check` blocks for validating infrastructure",
    ),
    "import block": ((1, 5, 0), "CHANGELOG 1.5.0: `import` blocks for importing infrastructure"),
    "import id expression": (
        (1, 6, 0),
        "CHANGELOG 1.6.0 (October 4, 2023): config: The `import` block `id` field now accepts expressions "
        "(1.5.0: 'The `import` block currently does not support interpolation in the `id` field')",
    ),
    "removed block": (
        (1, 7, 0),
        "CHANGELOG 1.7.0 (January 17, 2024): `removed` block for refactoring modules",
    ),
    "import for_each": (
        (1, 7, 0),
        "CHANGELOG 1.7.0: `import`: `for_each` can now be used to expand the `import` block",
    ),
    "provider-defined function": (
        (1, 8, 0),
        "CHANGELOG 1.8.0 (April 10, 2024): Providers can now offer functions ... "
        "`provider::provider_name::function_name()`",
    ),
    "cross-object reference in a variable validation": (
        (1, 9, 0),
        "CHANGELOG 1.9.0 (June 26, 2024): Input variable validation rules can refer to other objects "
        "(#34955). Up to 1.8 a validation's condition must refer to var.<itself> and its condition "
        "and error_message to nothing else (internal/configs/named_values.go at v1.5.7, "
        "decodeVariableValidationBlock: 'Invalid reference in variable validation')",
    ),
    "provisioner in a removed block": (
        (1, 9, 0),
        "CHANGELOG 1.9.0: `removed` blocks can now declare destroy-time provisioners",
    ),
    "ephemeral resource, variable or output": (
        (1, 10, 0),
        "CHANGELOG 1.10.0 (November 27, 2024): Ephemeral resources; Ephemeral values: Input variables and "
        "outputs can now be defined as ephemeral",
    ),
    "import identity": (
        (1, 12, 0),
        "CHANGELOG 1.12.0 (May 14, 2025): `import` blocks: Now support importing a resource via a new "
        "identity attribute",
    ),
    "action block": ((1, 14, 0), "CHANGELOG 1.14.0 (November 19, 2025): New top-level Actions block"),
    "deprecated variable or output": (
        (1, 15, 0),
        "CHANGELOG 1.15.0 (April 29, 2026): a `deprecated` attribute on variable and output blocks",
    ),
    "output type constraint": ((1, 15, 0), "CHANGELOG 1.15.0: `output` blocks now can have an explicit type"),
    "module source or version from a variable": (
        (1, 15, 0),
        "CHANGELOG 1.15.0: Terraform now supports variables and locals in module source and version attributes",
    ),
}

#: Every built-in function of Terraform 1.5.7: the map in internal/lang/functions.go at tag
#: v1.5.7, plus templatefile and plantimestamp, which that file registers after the map. A
#: function not listed here does not exist in 1.5.7 (issensitive came in 1.8.0,
#: templatestring in 1.9.0, ephemeralasnull in 1.10.0, convert in 1.15.0: CHANGELOG).
_FUNCTION_NAMES = """
abs abspath alltrue anytrue base64decode base64encode base64gzip base64sha256 base64sha512
basename bcrypt can ceil chomp chunklist cidrhost cidrnetmask cidrsubnet cidrsubnets
coalesce coalescelist compact concat contains csvdecode dirname distinct element endswith
file filebase64 filebase64sha256 filebase64sha512 fileexists filemd5 fileset filesha1
filesha256 filesha512 flatten floor format formatdate formatlist indent index join
jsondecode jsonencode keys length list log lookup lower map matchkeys max md5 merge min
nonsensitive one parseint pathexpand plantimestamp pow range regex regexall replace reverse
rsadecrypt sensitive setintersection setproduct setsubtract setunion sha1 sha256 sha512
signum slice sort split startswith strcontains strrev substr sum templatefile
textdecodebase64 textencodebase64 timeadd timecmp timestamp title tobool tolist tomap
tonumber toset tostring transpose trim trimprefix trimspace trimsuffix try upper urlencode
uuid uuidv5 values yamldecode yamlencode zipmap
"""
FUNCTIONS_1_5_7 = frozenset(_FUNCTION_NAMES.split())

#: The functions of that list added after Terraform 1.0.0 (whose list had all the others).
FUNCTION_SINCE: dict[str, tuple[Version, str]] = {
    "startswith": ((1, 3, 0), "CHANGELOG 1.3.0: Added functions: `startswith` and `endswith`"),
    "endswith": ((1, 3, 0), "CHANGELOG 1.3.0: Added functions: `startswith` and `endswith`"),
    "timecmp": ((1, 3, 0), "CHANGELOG 1.3.0: New built-in function `timecmp`"),
    "plantimestamp": ((1, 5, 0), "CHANGELOG 1.5.0: Adds a new `plantimestamp` function"),
    "strcontains": ((1, 5, 0), "CHANGELOG 1.5.0: Adds a new `strcontains` function"),
}

#: Type constraint keywords (in a variable's ``type``), not functions.
TYPE_WORDS = frozenset(
    {"any", "bool", "number", "string", "list", "map", "set", "object", "tuple", "optional"}
)

#: Top-level blocks Terraform 1.0 already had.
BASE_BLOCKS = frozenset(
    {"terraform", "provider", "variable", "output", "locals", "module", "resource", "data"}
)
NEWER_BLOCKS = {
    "moved": "moved block",
    "check": "check block",
    "import": "import block",
    "removed": "removed block",
    "ephemeral": "ephemeral resource, variable or output",
    "action": "action block",
}

# ------------------------------------------------------------------------------------------
# HCL native syntax: tokens, then blocks and attributes
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # ident, number, punct, newline, quote, strlit
    text: str
    line: int


#: Template sequences open with these and close with "}".
_TEMPLATE_OPEN = ("${", "%{")
_PUNCT = ("...", "::", "=>", "==", "!=", "<=", ">=", "&&", "||", *"{}[]()=,.?:!<>+-*/%~")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\n")


class _Lexer:
    def __init__(self, text: str, path: str) -> None:
        self.s, self.i, self.line, self.path = text, 0, 1, path
        self.out: list[Token] = []

    def fail(self, what: str) -> None:
        raise ValueError(f"{self.path}:{self.line}: {what}")

    def emit(self, kind: str, text: str) -> None:
        self.out.append(Token(kind, text, self.line))

    def expression(self, in_template: bool) -> None:
        """Tokens up to the end of input, or (inside ``${``/``%{``) the "}" that closes it."""
        depth = 0
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\n":
                self.emit("newline", "\n")
                self.line += 1
                self.i += 1
            elif c == "#" or s.startswith("//", self.i):
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    self.fail("unterminated comment")
                self.line += s.count("\n", self.i, end)
                self.i = end + 2
            elif c == '"':
                self.i += 1
                self.emit("quote", '"')
                self.template(quoted=True, limit=len(s))
                self.emit("quote", '"')
            elif (m := _HEREDOC.match(s, self.i)) is not None:
                marker = re.compile(rf"^[ \t]*{re.escape(m.group(2))}[ \t]*$", re.M).search(s, m.end())
                if marker is None:
                    self.fail(f"unterminated heredoc {m.group(2)}")
                    return
                self.emit("quote", "<<")
                self.line += 1
                self.i = m.end()
                self.template(quoted=False, limit=marker.start())
                self.emit("quote", "<<")
                self.i = marker.end()
            elif (m := _NUMBER.match(s, self.i)) is not None:
                self.emit("number", m.group())
                self.i = m.end()
            elif (m := _IDENT.match(s, self.i)) is not None:
                self.emit("ident", m.group())
                self.i = m.end()
            else:
                p = next((p for p in _PUNCT if s.startswith(p, self.i)), None)
                if p is None:
                    self.fail(f"unexpected character {c!r}")
                    return
                if in_template and p == "}" and depth == 0:
                    self.emit("punct", "}")
                    self.i += 1
                    return
                depth += p in "{[(" and len(p) == 1
                depth -= p in "}])" and len(p) == 1
                self.emit("punct", p)
                self.i += len(p)
        if in_template:
            self.fail("unterminated template sequence")

    def template(self, quoted: bool, limit: int) -> None:
        """A quoted string (up to its closing '"') or a heredoc body (up to ``limit``): literal
        text, and the expressions of its ``${...}`` and ``%{...}`` sequences as tokens."""
        s = self.s
        start = self.i
        while self.i < limit:
            if quoted and s[self.i] == "\\":
                self.i += 2
            elif quoted and s[self.i] == '"':
                self.emit("strlit", s[start : self.i])
                self.i += 1
                return
            elif s.startswith(("$${", "%%{"), self.i):
                self.i += 3
            elif s.startswith(_TEMPLATE_OPEN, self.i):
                self.emit("strlit", s[start : self.i])
                self.emit("punct", s[self.i : self.i + 2])
                self.i += 2
                self.expression(in_template=True)
                start = self.i
            else:
                self.line += s[self.i] == "\n"
                self.i += 1
        if quoted:
            self.fail("unterminated string")
        self.emit("strlit", s[start:limit])


def tokenize(text: str, path: str = "<text>") -> list[Token]:
    lexer = _Lexer(text, path)
    lexer.expression(in_template=False)
    return lexer.out


@dataclass
class Attribute:
    name: str
    tokens: list[Token]
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


_OPENERS = {"{", "[", "(", "${", "%{"}


def _body(tokens: list[Token], i: int, into: Block, path: str) -> int:
    """Reads attributes and blocks into ``into`` until its closing "}" (or the end)."""
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "newline":
            i += 1
            continue
        if tok.text == "}" and tok.kind == "punct":
            return i + 1
        if tok.kind != "ident":
            raise ValueError(f"{path}:{tok.line}: expected an attribute or block, found {tok.text!r}")
        if i + 1 < len(tokens) and tokens[i + 1].text == "=":
            j, depth = i + 2, 0
            expr: list[Token] = []
            while j < len(tokens):
                t = tokens[j]
                if depth == 0 and (t.kind == "newline" or (t.kind == "punct" and t.text == "}")):
                    break
                if t.kind == "punct" and t.text in _OPENERS:
                    depth += 1
                elif t.kind == "punct" and t.text in "}])":
                    depth -= 1
                elif t.kind == "quote":
                    depth += 1 if not expr or expr[-1].kind != "strlit" else -1
                expr.append(t)
                j += 1
            into.attributes[tok.text] = Attribute(tok.text, expr, tok.line)
            i = j
            continue
        labels, j = [], i + 1
        while j < len(tokens) and not (tokens[j].kind == "punct" and tokens[j].text == "{"):
            t = tokens[j]
            if t.kind in ("strlit", "ident"):
                labels.append(t.text)
            elif t.kind != "quote":
                raise ValueError(f"{path}:{t.line}: unexpected {t.text!r} in the labels of {tok.text}")
            j += 1
        block = Block(tok.text, labels, tok.line)
        into.blocks.append(block)
        i = _body(tokens, j + 1, block, path)
    return i


def parse(text: str, path: str = "<text>") -> Block:
    root = Block("file", [], 1)
    _body(tokenize(text, path), 0, root, path)
    return root


# ------------------------------------------------------------------------------------------
# What each construct needs
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """One use of a construct that needs Terraform ``since``."""

    since: Version
    what: str
    where: str
    source: str


def _construct(name: str, where: str, detail: str = "") -> Use:
    since, source = CONSTRUCTS[name]
    return Use(since, f"{name}{': ' + detail if detail else ''}", where, source)


def _calls(tokens: list[Token]) -> Iterator[tuple[str, Token]]:
    """Function calls: ``name(`` not after a ".", and ``ns::...::name(``."""
    for k, t in enumerate(tokens):
        if t.kind != "ident" or k + 1 >= len(tokens) or tokens[k + 1].text not in ("(", "::"):
            continue
        if k > 0 and tokens[k - 1].text in (".", "::"):
            continue
        j, parts = k, [t.text]
        while j + 2 < len(tokens) and tokens[j + 1].text == "::" and tokens[j + 2].kind == "ident":
            j += 2
            parts.append(tokens[j].text)
        if j + 1 < len(tokens) and tokens[j + 1].text == "(":
            yield "::".join(parts), t


_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "else", "endif", "endfor"})


def references(tokens: list[Token]) -> list[tuple[str, Token]]:
    """The references in an expression: each root traversal as ``root.attr`` (``var.x``,
    ``data.aws_region``, ``path.module``, ``local.y``). Function names, attribute accesses,
    object keys, keywords and the names a ``for`` binds are not references."""
    bound: set[str] = set()
    for k, t in enumerate(tokens):
        if t.text == "for" and t.kind == "ident":
            j = k + 1
            while j < len(tokens) and tokens[j].text != "in":
                if tokens[j].kind == "ident":
                    bound.add(tokens[j].text)
                j += 1
    found = []
    for k, t in enumerate(tokens):
        if t.kind != "ident" or t.text in _KEYWORDS or t.text in bound:
            continue
        before = tokens[k - 1].text if k > 0 else ""
        after = tokens[k + 1].text if k + 1 < len(tokens) else ""
        if before in (".", "::") or after in ("(", "::"):
            continue
        if after == "=" or (after == ":" and before in ("{", ",", "\n")):
            continue  # an object key
        attr = tokens[k + 2].text if after == "." and k + 2 < len(tokens) else ""
        found.append((f"{t.text}.{attr}" if attr else t.text, t))
    return found


def _type_uses(tokens: list[Token], where: str) -> Iterator[Use]:
    for k, t in enumerate(tokens):
        if t.kind == "ident" and t.text == "optional" and k + 1 < len(tokens) and tokens[k + 1].text == "(":
            yield _construct("optional object attribute", where)


def _expression_uses(tokens: list[Token], where: str) -> Iterator[Use]:
    for name, _ in _calls(tokens):
        if "::" in name:
            yield _construct("provider-defined function", where, name)
        elif name not in FUNCTIONS_1_5_7:
            yield Use(
                (99, 0, 0), f"function {name}: not a built-in of Terraform 1.5.7", where, "functions.go"
            )
        elif name in FUNCTION_SINCE:
            since, source = FUNCTION_SINCE[name]
            yield Use(since, f"function {name}", where, source)
    for ref, _ in references(tokens):
        if ref.startswith("ephemeral."):
            yield _construct("ephemeral resource, variable or output", where, ref)


def _validation_uses(variable: str, validation: Block, where: str) -> Iterator[Use]:
    own = f"var.{variable}"
    for attr in ("condition", "error_message"):
        if attr not in validation.attributes:
            continue
        refs = references(validation.attributes[attr].tokens)
        for ref, tok in refs:
            if ref != own:
                yield _construct(
                    "cross-object reference in a variable validation",
                    f"{where}:{tok.line}",
                    f"{attr} of var.{variable} refers to {ref}",
                )
        if attr == "condition" and own not in [r for r, _ in refs]:
            yield _construct(
                "cross-object reference in a variable validation",
                f"{where}:{validation.line}",
                f"the condition of var.{variable} does not refer to {own}",
            )


def uses(config: Block, path: str) -> Iterator[Use]:
    """Every use, in one file, of something newer than Terraform 1.0."""
    for block in config.blocks:
        where = f"{path}:{block.line}"
        if block.type in NEWER_BLOCKS:
            yield _construct(NEWER_BLOCKS[block.type], where, " ".join([block.type, *block.labels]))
        elif block.type not in BASE_BLOCKS:
            yield Use((99, 0, 0), f"unknown top-level block {block.type}", where, "not in Terraform 1.5.7")
        yield from _block_uses(block, path)


def _lifecycle_uses(block: Block, path: str) -> Iterator[Use]:
    for inner in block.blocks:
        if inner.type in ("precondition", "postcondition"):
            yield _construct("precondition or postcondition", f"{path}:{inner.line}", inner.type)
    if "replace_triggered_by" in block.attributes:
        yield _construct("replace_triggered_by", f"{path}:{block.line}")


def _block_uses(block: Block, path: str) -> Iterator[Use]:
    where = f"{path}:{block.line}"
    kind = block.type
    if kind in ("resource", "data") and block.labels and block.labels[0] == "terraform_data":
        yield _construct("terraform_data resource", where)
    if kind == "variable":
        name = block.labels[0]
        if "nullable" in block.attributes:
            yield _construct("nullable variable", where, name)
        if "ephemeral" in block.attributes:
            yield _construct("ephemeral resource, variable or output", where, f"variable {name}")
        if "deprecated" in block.attributes:
            yield _construct("deprecated variable or output", where, f"variable {name}")
        if "type" in block.attributes:
            yield from _type_uses(block.attributes["type"].tokens, where)
        for inner in block.blocks:
            if inner.type == "validation":
                yield from _validation_uses(name, inner, path)
    if kind == "output":
        for setting, construct in (
            ("ephemeral", "ephemeral resource, variable or output"),
            ("deprecated", "deprecated variable or output"),
            ("type", "output type constraint"),
        ):
            if setting in block.attributes:
                yield _construct(construct, where, f"output {block.labels[0]}")
    if kind == "module":
        for setting in ("source", "version"):
            if setting in block.attributes and references(block.attributes[setting].tokens):
                yield _construct("module source or version from a variable", where, block.labels[0])
    if kind == "import":
        if "for_each" in block.attributes:
            yield _construct("import for_each", where)
        if "identity" in block.attributes:
            yield _construct("import identity", where)
        id_tokens = block.attributes["id"].tokens if "id" in block.attributes else []
        if any(t.kind not in ("quote", "strlit") or t.text in _TEMPLATE_OPEN for t in id_tokens):
            yield _construct("import id expression", where)
    if kind == "removed" and any(b.type == "provisioner" for b in block.blocks):
        yield _construct("provisioner in a removed block", where)
    if kind == "terraform":
        if any(b.type == "cloud" for b in block.blocks):
            yield _construct("cloud block", where)
        if "experiments" in block.attributes:
            yield Use((99, 0, 0), "language experiments", where, "experiments are never stable")
    for name, attr in block.attributes.items():
        if kind == "variable" and name == "type":
            continue
        yield from _expression_uses(attr.tokens, f"{path}:{attr.line}")
    for inner in block.blocks:
        if inner.type == "lifecycle":
            yield from _lifecycle_uses(inner, path)
        if kind == "variable" and inner.type == "validation":
            for attr in inner.attributes.values():
                yield from _expression_uses(attr.tokens, f"{path}:{attr.line}")
            continue
        if inner.type in ("precondition", "postcondition") and kind == "output":
            yield _construct("precondition or postcondition", f"{path}:{inner.line}", inner.type)
        yield from _block_uses(inner, path)


# ------------------------------------------------------------------------------------------
# The repository
# ------------------------------------------------------------------------------------------


def tf_files() -> list[Path]:
    """Every .tf file of the repository outside dot folders (Terraform's and the virtualenvs'
    are never walked: every xdist worker collects this module)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(REPO_ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder, f) for f in files if f.endswith(".tf") and not f.startswith("."))
    return sorted(found)


def _version(text: str) -> Version:
    major, minor, patch = [*(int(p) for p in text.split(".")), 0, 0, 0][:3]
    return major, minor, patch


def _string(attr: Attribute) -> str:
    (lit,) = [t.text for t in attr.tokens if t.kind == "strlit"]
    return lit


def terraform_settings(directory: Path) -> dict[str, str]:
    """``required_version`` and the hashicorp/aws ``version`` a module declares."""
    found: dict[str, str] = {}
    for path in sorted(directory.glob("*.tf")):
        for block in parse(path.read_text(), str(path)).blocks:
            if block.type != "terraform":
                continue
            if "required_version" in block.attributes:
                found["terraform"] = _string(block.attributes["required_version"])
            for inner in block.blocks:
                if inner.type == "required_providers" and "aws" in inner.attributes:
                    text = " ".join(t.text for t in inner.attributes["aws"].tokens if t.kind == "strlit")
                    assert "hashicorp/aws" in text, f"{directory}: aws is not hashicorp/aws"
                    found["aws"] = text.replace("hashicorp/aws", "").strip()
    return found


def declared_floor(constraint: str) -> Version:
    """The lowest version a ``>= X.Y.Z`` constraint admits (the only form used here)."""
    m = re.fullmatch(r">=\s*([0-9.]+)", constraint.strip())
    assert m, f"required_version {constraint!r} is not of the form >= X.Y.Z"
    return _version(m.group(1))


def _floor_of(path: Path) -> tuple[Version, str]:
    rel = path.relative_to(REPO_ROOT)
    module = REPO_ROOT if len(rel.parts) == 1 or rel.parts[0] == "tests" else path.parent
    constraint = terraform_settings(module)["terraform"]
    return declared_floor(constraint), f"{module.relative_to(REPO_ROOT)}: required_version {constraint}"


def too_new(path: Path) -> list[str]:
    floor, declared = _floor_of(path)
    rel = str(path.relative_to(REPO_ROOT))
    found = [
        f"{u.where}: {u.what} needs Terraform {'.'.join(map(str, u.since))} ({u.source}); {declared}"
        for u in uses(parse(path.read_text(), rel), rel)
        if u.since > floor
    ]
    return list(dict.fromkeys(found))


FILES = tf_files()


def test_the_floor_is_declared_where_users_read_it() -> None:
    """The root module and every example say ``>= 1.5.7`` and the root's aws range, word for
    word; a submodule may admit more than the root (never less), and its constructs are held
    to the floor it declares itself."""
    root = terraform_settings(REPO_ROOT)
    assert root == {"terraform": ">= 1.5.7", "aws": ">= 5.61, < 7.0"}
    assert declared_floor(root["terraform"]) == FLOOR
    examples = sorted(p.parent for p in REPO_ROOT.glob("examples/*/main.tf"))
    assert examples
    for example in examples:
        assert terraform_settings(example) == root, example.name
    for module in sorted(p.parent for p in REPO_ROOT.glob("modules/*/main.tf")):
        settings = terraform_settings(module)
        assert declared_floor(settings["terraform"]) <= FLOOR, module.name
        if "aws" not in settings:
            # A module that needs no provider (modules/detections) declares none and has no
            # resource or data source.
            assert not re.search(
                r'^(resource|data) "', "".join(p.read_text() for p in module.glob("*.tf")), re.M
            )
            continue
        low = re.fullmatch(r">=\s*([0-9.]+),\s*<\s*([0-9.]+)", settings["aws"])
        assert low, f"{module.name}: aws {settings['aws']!r}"
        assert _version(low.group(1)) <= (5, 61, 0) and _version(low.group(2)) >= (7, 0, 0), module.name


def test_the_readmes_state_the_declared_range() -> None:
    """README.md and every example's README say the range the root's versions.tf declares."""
    root = terraform_settings(REPO_ROOT)
    readmes = [REPO_ROOT / "README.md", *sorted(REPO_ROOT.glob("examples/*/README.md"))]
    assert len(readmes) >= 7
    for readme in readmes:
        text = " ".join(readme.read_text().split())
        for stated in (f"Terraform {root['terraform']}", "OpenTofu", f"provider {root['aws']}"):
            assert stated in text.replace("*", ""), f"{readme.relative_to(REPO_ROOT)} does not say {stated!r}"


def test_every_tf_file_is_read() -> None:
    names = {str(p.relative_to(REPO_ROOT)) for p in FILES}
    assert {
        "variables.tf",
        "main.tf",
        "modules/signin-events/variables.tf",
        "examples/minimal/main.tf",
    } <= names
    assert len({p.parent for p in FILES}) >= 19  # the root, 12 modules, 6 examples


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO_ROOT)) for p in FILES])
def test_no_construct_is_newer_than_the_floor(path: Path) -> None:
    found = too_new(path)
    assert not found, "newer than the declared floor:\n" + "\n".join(found)


# ------------------------------------------------------------------------------------------
# The scanner itself: each construct of the table is found, and only where it is
# ------------------------------------------------------------------------------------------

SNIPPETS: dict[str, str] = {
    "moved block": "moved {\n  from = aws_s3_bucket.a\n  to   = aws_s3_bucket.b\n}\n",
    "cloud block": 'terraform {\n  cloud {\n    organization = "o"\n  }\n}\n',
    "nullable variable": 'variable "a" {\n  type     = string\n  nullable = false\n}\n',
    "precondition or postcondition": (
        'data "aws_region" "r" {\n  lifecycle {\n    postcondition {\n      condition     = true\n'
        '      error_message = "x"\n    }\n  }\n}\n'
    ),
    "replace_triggered_by": 'resource "aws_s3_bucket" "b" {\n  lifecycle {\n    replace_triggered_by = [x.y]\n  }\n}\n',
    "optional object attribute": 'variable "a" {\n  type = object({ b = optional(number, 3) })\n}\n',
    "terraform_data resource": 'resource "terraform_data" "t" {\n  input = 1\n}\n',
    "check block": ('check "c" {\n  assert {\n    condition     = true\n    error_message = "x"\n  }\n}\n'),
    "import block": 'import {\n  to = aws_s3_bucket.b\n  id = "b"\n}\n',
    "import id expression": "import {\n  to = aws_s3_bucket.b\n  id = var.bucket\n}\n",
    "removed block": "removed {\n  from = aws_s3_bucket.b\n}\n",
    "import for_each": 'import {\n  for_each = var.ids\n  to       = aws_s3_bucket.b[each.key]\n  id       = "b"\n}\n',
    "provider-defined function": 'locals {\n  arn = provider::aws::arn_parse("arn:aws:s3:::b")\n}\n',
    "cross-object reference in a variable validation": (
        'variable "ids" {\n  type = list(string)\n  validation {\n'
        "    condition     = !var.enabled || length(var.ids) > 0\n"
        '    error_message = "ids is needed."\n  }\n}\n'
    ),
    "provisioner in a removed block": (
        'removed {\n  from = aws_s3_bucket.b\n  provisioner "local-exec" {\n    when    = destroy\n'
        '    command = "echo"\n  }\n}\n'
    ),
    "ephemeral resource, variable or output": 'variable "token" {\n  type      = string\n  ephemeral = true\n}\n',
    "import identity": 'import {\n  to       = aws_s3_bucket.b\n  identity = { bucket = "b" }\n}\n',
    "action block": 'action "aws_lambda_invoke" "a" {\n  config {\n    function_name = "f"\n  }\n}\n',
    "deprecated variable or output": 'output "o" {\n  value      = 1\n  deprecated = "use p"\n}\n',
    "output type constraint": 'output "o" {\n  value = 1\n  type  = number\n}\n',
    "module source or version from a variable": 'module "m" {\n  source = var.source\n}\n',
}


def _found(text: str) -> list[str]:
    return [u.what for u in uses(parse(text), "snippet.tf")]


def test_every_construct_has_a_snippet() -> None:
    assert set(SNIPPETS) == set(CONSTRUCTS)


@pytest.mark.parametrize("construct", sorted(SNIPPETS))
def test_the_scanner_finds_each_construct(construct: str) -> None:
    found = _found(SNIPPETS[construct])
    assert any(w == construct or w.startswith(construct + ":") for w in found), found


def test_newer_functions_are_refused_and_old_ones_pass() -> None:
    found = _found("locals {\n  a = templatestring(local.t, {})\n  b = issensitive(var.x)\n}\n")
    assert found == [
        "function templatestring: not a built-in of Terraform 1.5.7",
        "function issensitive: not a built-in of Terraform 1.5.7",
    ]
    assert _found('locals {\n  a = strcontains("ab", "a") && startswith(lower("A"), "a")\n}\n') == [
        "function strcontains",
        "function startswith",
    ]
    assert [u.since for u in uses(parse('locals {\n  a = strcontains("ab", "a")\n}\n'), "f")] == [(1, 5, 0)]


def test_a_validation_may_refer_to_its_own_variable_only() -> None:
    ok = (
        'variable "cidrs" {\n  type = list(string)\n  validation {\n'
        "    condition     = alltrue([for c in var.cidrs : can(cidrhost(c, 0))])\n"
        '    error_message = "bad: ${join(", ", [for c in var.cidrs : c if !can(cidrhost(c, 0))])}."\n'
        "  }\n}\n"
    )
    assert _found(ok) == []
    # A data source in the message, a path in the condition, a condition that never reads
    # the variable: each is refused by Terraform 1.5.7.
    region = ok.replace('"bad: ', '"bad in ${data.aws_region.current.name}: ')
    assert _found(region) == [
        "cross-object reference in a variable validation: error_message of var.cidrs refers to data.aws_region"
    ]
    path = ok.replace("alltrue([", 'fileexists("${path.module}/x") && alltrue([')
    assert _found(path) == [
        "cross-object reference in a variable validation: condition of var.cidrs refers to path.module"
    ]
    # The message still reads var.cidrs, the condition no longer does: refused too.
    assert _found(ok.replace("alltrue([for c in var.cidrs", 'alltrue([for c in ["a"]')) == [
        "cross-object reference in a variable validation: the condition of var.cidrs does not refer to var.cidrs"
    ]
    never = 'variable "a" {\n  validation {\n    condition     = true\n    error_message = "x"\n  }\n}\n'
    assert _found(never) == [
        "cross-object reference in a variable validation: the condition of var.a does not refer to var.a"
    ]


def test_strings_heredocs_and_comments_hide_nothing_and_invent_nothing() -> None:
    text = (
        "# removed { } in a comment, templatestring( too\n"
        'locals {\n  /* import { } */\n  a = "provider::x::f() is text, ${upper("but this is a call")}"\n'
        '  b = <<-EOT\n    check { } ${lower("x")} $${templatestring(y)}\n  EOT\n'
        '  c = { key = "v", other : 1 }\n}\n'
    )
    assert _found(text) == []
    refs = [r for r, _ in references(tokenize('a ? b.c : [for k, v in d.e : "${k}${f.g}"]'))]
    assert refs == ["a", "b.c", "d.e", "f.g"]


def test_the_floor_test_fails_on_a_cross_variable_validation() -> None:
    """The form the root module's athena_account_ids check had: refused, with its source."""
    snippet = (
        'variable "athena_account_ids" {\n  type    = list(string)\n  default = []\n\n  validation {\n'
        "    condition     = !(var.athena_enabled && var.is_organization_trail) || "
        "length(var.athena_account_ids) > 0\n"
        '    error_message = "athena_enabled with is_organization_trail needs athena_account_ids."\n  }\n}\n'
    )
    found = [u for u in uses(parse(snippet), "variables.tf") if u.since > FLOOR]
    assert [u.what.split(": ", 1)[1] for u in found] == [
        "condition of var.athena_account_ids refers to var.athena_enabled",
        "condition of var.athena_account_ids refers to var.is_organization_trail",
    ]
    assert all(u.since == (1, 9, 0) and "CHANGELOG 1.9.0" in u.source for u in found)
