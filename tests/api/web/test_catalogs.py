"""The pages' messages, extracted from the templates and the page code as `pybabel extract`
does (api/web/babel.cfg), are all in the English and Russian catalogs, translated; and the
catalogs are what the pages load."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api.web.i18n import LANGUAGES, catalog_path, translations

REPO = Path(__file__).resolve().parents[3]
CONFIG = REPO / "api" / "web" / "babel.cfg"


def extracted() -> set[str]:
    with CONFIG.open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, str(CONFIG))
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            REPO, method_map, options_map,
            directory_filter=lambda d: Path(d).resolve().is_relative_to(REPO / "api")
            or Path(d).resolve() == REPO):
        ids.update([message] if isinstance(message, str) else [m for m in message if m])
    return ids


def test_extraction_finds_the_pages_messages() -> None:
    messages = extracted()
    assert len(messages) > 60
    assert {"Review queue", "Sign in", "critical failure", "Effective score"} <= messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    translated = {m.id: m.string for m in catalog if m.id and m.string
                  and not m.fuzzy}
    missing = sorted(extracted() - set(translated))
    assert not missing, f"{language}: untranslated or missing: {missing}"
    if language == "ru":  # a Russian string left in English is not a translation
        same = sorted(i for i, s in translated.items() if s == i and any(c.isalpha() for c in i))
        assert not same, f"ru: left in English: {same}"


def test_the_loaded_catalogs_translate() -> None:
    assert translations("ru").gettext("Review queue") == "Очередь проверки"
    assert translations("en").gettext("Review queue") == "Review queue"
