import pytest

from scorer.conversation import Role
from scorer.formulas import available_languages, load_pack
from scorer.readers.roles import label_key, resolve_label, role_labels


def test_every_pack_label_is_known():
    table = role_labels()
    for language in available_languages():
        for role, labels in load_pack(language).roles.items():
            for label in labels:
                assert table[label_key(label)] is role, (language, label)


@pytest.mark.parametrize(("label", "expected"), [
    ("AGENT", (Role.AGENT, None)),
    ("Оператор", (Role.AGENT, None)),
    ("Agent (Anna)", (Role.AGENT, "Anna")),
    ("Customer [Bob]", (Role.CUSTOMER, "Bob")),
    ("Anna", None),
    ("Agent Anna", None),
])
def test_resolve_label(label, expected):
    assert resolve_label(label, role_labels()) == expected


def test_name_after_label_for_voices():
    assert resolve_label("Agent Anna Lee", role_labels(), name_after_label=True) == (
        Role.AGENT, "Anna Lee")


def test_extra_labels_win():
    table = role_labels({Role.CUSTOMER: ["Support"]})
    assert table["support"] is Role.CUSTOMER
