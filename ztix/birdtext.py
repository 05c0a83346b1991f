"""BIRD text: the structure of a rendered config, and what `birdc` prints (pure parsing).

Shared by the deployer (which sessions a reconfigure may reset; which sessions are up), the
plan (a diff per protocol block, so a 2,000-member plan stays linear) and status commands.
"""

from __future__ import annotations

import re

# A top-level `protocol` or `template` block: kind, type, name, optional `from` template.
BLOCK = re.compile(r"^((protocol|template) \S+ (\S+)(?: from (\S+))?.*?^})", re.M | re.S)


def blocks(config: str) -> tuple[dict[str, str], str]:
    """(protocol/template name -> its block text, everything else concatenated).

    Names are `protocol NAME` / `template NAME`; the rest (globals, tables, functions, defines,
    comments) is returned as one text, in order, without the blank lines between blocks.
    """
    found: dict[str, str] = {}
    rest: list[str] = []
    end = 0
    for match in BLOCK.finditer(config):
        rest.append(config[end : match.start()])
        found[f"{match.group(2)} {match.group(3)}"] = match.group(1)
        end = match.end()
    rest.append(config[end:])
    # The blank lines between blocks are not content: adding a block must not show as a diff
    # of the text around it.
    return found, "".join(chunk for chunk in rest if chunk.strip())


def protocol_blocks(config: str) -> dict[str, str]:
    """Protocol name -> its block plus the blocks of the templates it inherits from.

    Two configs give a protocol the same text here exactly when nothing that BIRD would apply to
    that session changed in its own block or its templates (shared filter functions are not
    part of it: BIRD reloads filters without resetting sessions).
    """
    templates: dict[str, tuple[str, str]] = {}
    protocols: dict[str, tuple[str, str]] = {}
    for block, kind, name, parent in BLOCK.findall(config):
        (templates if kind == "template" else protocols)[name] = (block, parent)
    out = {}
    for name, (block, first) in protocols.items():
        text, seen, parent = block, set(), first
        while parent and parent in templates and parent not in seen:
            seen.add(parent)
            parent_block, parent = templates[parent]
            text += "\n" + parent_block
        out[name] = text
    return out


def bgp_sessions(config: str) -> set[str]:
    """Names of the `protocol bgp` blocks of a config."""
    found = BLOCK.findall(config)
    return {name for block, _, name, _ in found if block.startswith("protocol bgp ")}


def established(show_protocols: str) -> set[str]:
    """Names of protocols whose info says Established, from `birdc show protocols`."""
    names = set()
    for line in show_protocols.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "BGP" and "Established" in line:
            names.add(parts[0])
    return names
