"""The line of a key in a YAML text, from its dotted path ("criteria.greeting.weight"), so that
an editor can show a validation problem beside the key it is about."""

from __future__ import annotations

import yaml


def line_of(content: str, path: str) -> int | None:
    """The 1-based line of the deepest key of `path` found in `content` (a key left out of the
    text: its parent's line); None for no path, or a text that is not YAML."""
    if not path or path.startswith("("):
        return None
    try:
        node = yaml.compose(content)
    except yaml.YAMLError:
        return None
    line = None
    for part in path.split("."):
        child = _child(node, part)
        if child is None:
            break
        line, node = child
    return line


def _child(node: yaml.Node | None, part: str) -> tuple[int, yaml.Node] | None:
    """(line of the entry, its value) of a mapping key or sequence index."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return key.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
        item = node.value[int(part)]
        return item.start_mark.line + 1, item
    return None
