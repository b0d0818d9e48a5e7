from pathlib import Path

import pytest
import yaml

from scorer.errors import ConfigError
from scorer.scorecard import bundled_scorecards, load_scorecard, parse_scorecard


def test_bundled_scorecards_load() -> None:
    paths = bundled_scorecards()
    assert paths
    for path in paths:
        card = load_scorecard(path)
        assert card.criteria and all(spec.weight > 0 for spec in card.criteria.values())


def test_default_scorecard_encodes_the_service_standard() -> None:
    card = load_scorecard("default")
    assert set(card.criteria) == {"greeting", "politeness", "jargon", "empathy", "farewell",
                                  "response_time"}
    assert card.criteria["greeting"].critical


def _default_data() -> dict:
    return yaml.safe_load(Path(bundled_scorecards()[0]).read_text())


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["criteria"]["greeting"].update(weight=-1),
     "criteria.greeting.weight: Input should be greater than 0"),
    (lambda d: d["criteria"]["greeting"]["params"].update(opening_turns="three"),
     "criteria.greeting.params.opening_turns: Input should be a valid integer"),
    (lambda d: d["criteria"]["greeting"]["params"].update(opening_turn=2),
     "criteria.greeting.params.opening_turn: Extra inputs are not permitted"),
    (lambda d: d["criteria"].update(greetng={"weight": 1}),
     "criteria.greetng: unknown criterion 'greetng'"),
    (lambda d: d["criteria"]["jargon"].update(type="jargn"),
     "criteria.jargon.type: unknown criterion 'jargn'"),
    (lambda d: d["criteria"]["response_time"]["params"]["chat"].update(first_response_s=0),
     "criteria.response_time.params.chat.first_response_s: Input should be greater than 0"),
    (lambda d: d.update(colour="blue"), "colour: Extra inputs are not permitted"),
    (lambda d: d.update(languages=["en", "de"]), "language 'de' is not supported"),
    (lambda d: d.update(formulas={"en": {"greting": {"salutation": ["yo"]}}}),
     "formulas.en: not the shape of a formula pack"),
])
def test_invalid_scorecards_name_the_bad_key(change, message: str) -> None:  # type: ignore[no-untyped-def]
    data = _default_data()
    change(data)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        parse_scorecard(data, "my.yaml")


def test_unreadable_scorecard_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="scorecard file not found"):
        load_scorecard(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("criteria: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        load_scorecard(broken)
