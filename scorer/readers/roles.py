"""Speaker labels and raw role values → roles.

Labels come from every formula pack's `roles` section ("Agent", "Оператор", "Mijoz",
"پشتیبان", ...), a few common export values, and the user's own; they are compared after
`scorer.text.normalize`, so case and script variants do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from scorer.conversation import Role
from scorer.formulas import available_languages, load_pack
from scorer.text import normalize

# Values chat exports put in a sender column, beyond the packs' labels.
EXPORT_ROLE_VALUES: dict[Role, tuple[str, ...]] = {
    Role.AGENT: ("agent", "operator", "support", "staff", "helpdesk", "admin"),
    Role.CUSTOMER: ("customer", "client", "visitor", "user", "caller", "contact"),
    Role.BOT: ("bot", "chatbot"),
    Role.SYSTEM: ("system",),
}
_LABEL_WITH_NAME = re.compile(r"^(?P<label>.+?)\s*[(\[](?P<name>[^)\]]+)[)\]]$")


def label_key(label: str) -> str:
    return " ".join(normalize(label).split())


def role_labels(extra: Mapping[Role, list[str]] | None = None) -> dict[str, Role]:
    """Normalised label → role from the packs, the export values and `extra` (which wins)."""
    table: dict[str, Role] = {}
    for role, values in EXPORT_ROLE_VALUES.items():
        for value in values:
            table.setdefault(label_key(value), role)
    for language in available_languages():
        for role, labels in load_pack(language).roles.items():
            for label in labels:
                table.setdefault(label_key(label), role)
    for role, labels in (extra or {}).items():
        for label in labels:
            table[label_key(label)] = role
    return table


def resolve_label(label: str, table: Mapping[str, Role],
                  name_after_label: bool = False) -> tuple[Role, str | None] | None:
    """(role, speaker name) for "Agent", "Agent (Anna)" and, if `name_after_label`, "Agent Anna".

    None when the label is not a known one.
    """
    key = label_key(label)
    if key in table:
        return table[key], None
    with_name = _LABEL_WITH_NAME.match(label.strip())
    if with_name and label_key(with_name["label"]) in table:
        return table[label_key(with_name["label"])], with_name["name"].strip()
    if name_after_label:
        words = label.split()
        for size in range(len(words) - 1, 0, -1):
            head = label_key(" ".join(words[:size]))
            if head in table:
                return table[head], " ".join(words[size:])
    return None
