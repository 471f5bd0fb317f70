"""Parse the 2021 KMS permissions table (flattened HTML text) into rows.

The seed is the only record of how AWS stated each permission in 2021, so the reference keeps its
rows beside today's facts and computes what changed. The text has one cell per line; this parser
walks it with a small state machine and fails loudly on any line it cannot place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kmstui.reference.refgen.errors import InputError

TABLE_START = "Actions and permissions Policy type"
TABLE_END = "The columns in this table"

_OPERATION = re.compile(r"[A-Z][A-Za-z]+")
_PERMISSION = re.compile(r"kms:[A-Za-z]+")
_POLICY = re.compile(r"(Key policy|IAM policy)(?: \(for (?:the )?([^)]+)\))?(?: (Yes|No|N/A))?")
_CROSS = re.compile(r"Yes|No|N/A")
_RESOURCE = re.compile(r"(CMK|Alias|\*)(?: \(([^)]+)\))?")
_KEY = re.compile(r"((?:kms|aws):\S+)(?: \(AWS global condition key\))?")
_HEADING = re.compile(r"(Conditions for [^:]+|[A-Z][a-z]+(?: [a-z]+)* conditions):?")
_NONE = re.compile(r"None(?: \((.+)\))?")
_BULLET = "•"

CROSS_ACCOUNT_CODES = {"Yes": "yes", "No": "no", "N/A": "not_applicable"}


class SeedFormatError(InputError):
    """The seed text does not have the shape this parser was written against."""


@dataclass
class SeedBlock:
    """One policy-type cell of a row with the cells to its right (alias rows have two blocks)."""

    policy_type: str  # "Key policy" or "IAM policy", as written
    policy_for: str | None = None  # "alias", "CMK", "CMKs" from "(for the …)"
    cross_account: str | None = None  # "Yes", "No", "N/A"; None when the cell is a sentence
    cross_account_text: str | None = None  # that sentence
    resource: str | None = None  # "CMK", "Alias" or "*"
    resource_qualifier: str | None = None  # "symmetric only", "asymmetric only"
    key_groups: list[tuple[str | None, list[str]]] = field(default_factory=list)
    keys_note: str | None = None  # the cell said "None" (with its parenthesis, if any)
    notes: list[str] = field(default_factory=list)

    @property
    def condition_keys(self) -> list[str]:
        return [key for _, keys in self.key_groups for key in keys]

    @property
    def policy_label(self) -> str:
        return f"{self.policy_type} (for the {self.policy_for})" if self.policy_for else self.policy_type

    @property
    def resource_label(self) -> str:
        return f"{self.resource} ({self.resource_qualifier})" if self.resource_qualifier else str(self.resource)


@dataclass
class SeedRow:
    """One API operation of the 2021 table: its permission(s) and one or more policy blocks."""

    operation: str
    permissions: list[str]
    blocks: list[SeedBlock]
    notes: list[str] = field(default_factory=list)  # prose between the permission and the policy type

    @property
    def condition_keys(self) -> list[str]:
        """Every key the row names, first mention first."""
        seen: dict[str, None] = {}
        for block in self.blocks:
            for key in block.condition_keys:
                seen.setdefault(key, None)
        return list(seen)

    @property
    def key_groups(self) -> list[tuple[str | None, list[str]]]:
        return [group for block in self.blocks for group in block.key_groups]

    @property
    def policy_type_code(self) -> str:
        """The row's policy type in the reference's enum: key_policy, iam_policy or iam_and_key_policy."""
        kinds = {block.policy_type for block in self.blocks}
        if kinds == {"Key policy", "IAM policy"}:
            return "iam_and_key_policy"
        return "key_policy" if kinds == {"Key policy"} else "iam_policy"

    @property
    def cross_account_code(self) -> str | None:
        """yes/no/not_applicable when every block states one value; None when the cell is prose."""
        values = {CROSS_ACCOUNT_CODES.get(block.cross_account or "") for block in self.blocks}
        return values.pop() if len(values) == 1 else None


def table_lines(text: str) -> list[str]:
    """The non-empty, stripped lines of the table body (between the header row and the legend)."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_START)) + 1
        end = next(i for i, line in enumerate(lines) if line.startswith(TABLE_END))
    except StopIteration:
        raise SeedFormatError("seed table: header row or column legend not found") from None
    return lines[start:end]


def _is_row_start(lines: list[str], i: int) -> bool:
    name = lines[i]
    return (
        _OPERATION.fullmatch(name) is not None
        and i + 1 < len(lines)
        and lines[i + 1].startswith(f"kms:{name}")
        and lines[i + 1][len(name) + 4:] in ("", "From", "To")
    )


def split_rows(lines: list[str]) -> list[list[str]]:
    """Cut the body into one list of lines per operation; the first line is the operation name."""
    starts = [i for i in range(len(lines)) if _is_row_start(lines, i)]
    if not starts or starts[0] != 0:
        raise SeedFormatError(f"seed table: expected an operation name, found {lines[0]!r}")
    return [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]


def _add_note(notes: list[str], line: str) -> None:
    """Keep prose; a bullet continues the sentence before it."""
    if line.startswith(_BULLET) and notes:
        notes[-1] = f"{notes[-1]} {line}"
    else:
        notes.append(line)


def parse_row(lines: list[str]) -> SeedRow:
    """One operation's lines (name first) to a :class:`SeedRow`."""
    row = SeedRow(operation=lines[0], permissions=[], blocks=[])
    i = 1
    while i < len(lines) and _PERMISSION.fullmatch(lines[i]):
        row.permissions.append(lines[i])
        i += 1
    state = "pre"
    block: SeedBlock | None = None
    group: list[str] | None = None
    for line in lines[i:]:
        policy = _POLICY.fullmatch(line)
        if policy and state in ("pre", "keys"):
            block = SeedBlock(policy_type=policy.group(1), policy_for=policy.group(2), cross_account=policy.group(3))
            row.blocks.append(block)
            group = None
            state = "resource" if block.cross_account else "cross"
            continue
        if block is None:
            _add_note(row.notes, line)
            continue
        if state == "cross":
            if _CROSS.fullmatch(line):
                block.cross_account, state = line, "resource"
            elif line.startswith("(") and line.endswith(")"):
                block.notes.append(line[1:-1])
            elif _RESOURCE.fullmatch(line):
                state = _set_resource(block, line)
            else:
                block.cross_account_text = line
            continue
        if state == "resource":
            if not _RESOURCE.fullmatch(line):
                raise SeedFormatError(f"seed table, {row.operation}: expected a resource, found {line!r}")
            state = _set_resource(block, line)
            continue
        heading, key, none = _HEADING.fullmatch(line), _KEY.fullmatch(line), _NONE.fullmatch(line)
        if heading:
            group = []
            block.key_groups.append((heading.group(1), group))
        elif key:
            if group is None:
                group = []
                block.key_groups.append((None, group))
            group.append(key.group(1))
        elif none:
            block.keys_note = none.group(1) or "None"
        else:
            _add_note(block.notes, line)
    _check_row(row)
    return row


def _set_resource(block: SeedBlock, line: str) -> str:
    match = _RESOURCE.fullmatch(line)
    assert match is not None
    block.resource, block.resource_qualifier = match.group(1), match.group(2)
    return "keys"


def _check_row(row: SeedRow) -> None:
    if not row.permissions:
        raise SeedFormatError(f"seed table, {row.operation}: no kms: permission line")
    if not row.blocks:
        raise SeedFormatError(f"seed table, {row.operation}: no policy type cell")
    for block in row.blocks:
        if block.resource is None:
            raise SeedFormatError(f"seed table, {row.operation}: no resource cell")
        if block.cross_account is None and block.cross_account_text is None:
            raise SeedFormatError(f"seed table, {row.operation}: no cross-account cell")


def parse_seed(text: str) -> list[SeedRow]:
    """Every operation row of the seed table, in table order."""
    return [parse_row(lines) for lines in split_rows(table_lines(text))]


def load_seed(path: Path) -> list[SeedRow]:
    """Read and parse the seed file at ``path``."""
    return parse_seed(Path(path).read_text(encoding="utf-8"))


def rename_group(title: str | None) -> str | None:
    """A 2021 group title in today's wording ("CMK" became "KMS key"), without its colon."""
    if title is None:
        return None
    return title.rstrip(":").replace("CMKs", "KMS keys").replace("CMK", "KMS key")
