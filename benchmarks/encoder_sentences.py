"""Sentences in the seven supported languages for encoder benchmarks, each 15-40 tokens long.

English: real customer-service turns (STC-3 English, the Weibo helpdesk dialogues). The
other six have no real customer-service text in ../shared or the repository, so their
sentences are made, deterministically, from what the repository does hold in each language:
service turns composed of 2-5 phrases of the language's formula pack (corpora/formulas:
greetings, offers of help, empathy, apologies, thanks, complaints...), some followed by one
of the seeded personal-data sentences (benchmarks/data/redaction/seeded.jsonl: card numbers,
phone numbers, e-mail addresses, IBANs said in the language), and the turns of the sample
chats and calls (samples/chats). Placeholders get a local agent, company or customer name.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from scorer.language import SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
NAMES = {  # agent, company, customer
    "en": ("Anna", "Northwind Bank", "Mr Brown"),
    "ru": ("Ольга", "Северный банк", "Иван Петрович"),
    "ar": ("سارة", "بنك الشمال", "السيد أحمد"),
    "fa": ("سارا", "فروشگاه آفتاب", "آقای رضایی"),
    "ms": ("Aisyah", "Kedai Mutiara", "Encik Ahmad"),
    "uz": ("Dilnoza", "Quyosh Savdo", "Aziz aka"),
    "mn": ("Сарнай", "Наран дэлгүүр", "Бат-Эрдэнэ"),
}
_PHRASE_GROUPS = ("greeting", "farewell", "empathy", "apology", "politeness", "distress",
                  "rudeness")
_QUESTIONS = ("offer_of_help", "anything_else")
_SAMPLE_TURN = re.compile(r"^(?:\[[\d:]+\]\s*)?[^:\[#]{1,20}:\s*(.+)$")

TokenCount = Callable[[str], int]


def seven_language_sentences(count: int, tokens: TokenCount, low: int = 15, high: int = 40,
                             seed: int = 7) -> list[tuple[str, str]]:
    """`count` (language, sentence) pairs, as even across the languages as `count` allows,
    each of `low`-`high` tokens by `tokens`; no sentence twice."""
    languages = list(SUPPORTED_LANGUAGES)
    out: list[tuple[str, str]] = []
    for index, language in enumerate(languages):
        wanted = count // len(languages) + (index < count % len(languages))
        pool = english_turns() if language == "en" else made_turns(language, seed)
        fitting = [t for t in dict.fromkeys(pool) if low <= tokens(t) <= high]
        if len(fitting) < wanted:
            raise ValueError(f"only {len(fitting)} {language} sentences of {low}-{high} tokens")
        out += [(language, text) for text in random.Random(seed).sample(fitting, wanted)]
    return out


def english_turns(limit: int = 5000) -> list[str]:
    from corpora.loaders.stc3 import load_stc3

    texts: list[str] = []
    for dialogue in load_stc3("en"):
        texts += [turn.text.strip() for turn in dialogue.turns if turn.text.strip()]
        if len(texts) >= limit:
            break
    return texts


def made_turns(language: str, seed: int, count: int = 3000) -> list[str]:
    phrases = _phrases(language)
    seeded = [json.loads(line)["text"] for line in
              (ROOT / "benchmarks/data/redaction/seeded.jsonl").read_text().splitlines()
              if json.loads(line)["language"] == language]
    rng = random.Random(f"{seed}-{language}")
    turns = _sample_turns(language)
    for _ in range(count):
        parts = [_sentence(rng.choice(phrases)) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.4:
            parts.append(rng.choice(seeded))
        turns.append(" ".join(parts))
    return turns


def _phrases(language: str) -> list[tuple[str, str]]:
    """(group, phrase) with its placeholders filled."""
    pack = yaml.safe_load((ROOT / f"corpora/formulas/{language}.yaml").read_text("utf-8"))
    agent, company, customer = NAMES[language]
    out: list[tuple[str, str]] = []

    def walk(group: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(key if group in ("greeting", "farewell") else group, value)
        elif isinstance(node, list):
            out.extend((group, str(p).format(agent_name=agent, company=company,
                                             customer_name=customer)) for p in node)

    for group in _PHRASE_GROUPS:
        walk(group, pack.get(group, []))
    return out


def _sentence(item: tuple[str, str]) -> str:
    group, phrase = item
    mark = "?" if group in _QUESTIONS else "."
    return phrase[:1].upper() + phrase[1:] + ("" if phrase[-1:] in ".?!؟" else mark)


def _sample_turns(language: str) -> list[str]:
    turns: list[str] = []
    for path in sorted((ROOT / "samples/chats").glob(f"*_{language}_*.txt")):
        for line in path.read_text("utf-8").splitlines():
            match = _SAMPLE_TURN.match(line.strip())
            if match and not line.startswith("#"):
                turns.append(match.group(1).strip())
    return turns
