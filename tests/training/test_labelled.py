import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.heads import TurnInput, text_pair
from scorer.errors import ConfigError, ReadError
from training.cli import app
from training.labelled import evaluations, is_labelled_transcripts, labelled_set, training_data
from training.tasks import get_task
from training.tasks.dialog_acts import LABELS

REVIEWS = Path(__file__).parent / "data" / "reviews.jsonl"
runner = CliRunner()


@pytest.fixture(scope="module")
def reviews() -> list[dict]:
    return [json.loads(line) for line in REVIEWS.read_text(encoding="utf-8").splitlines()]


def _turns(review: dict) -> list[str]:
    return [turn["text"] for turn in review["conversation"]["turns"]]


def _write(tmp_path: Path, lines: list[str | dict], name: str = "reviews.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines), encoding="utf-8")
    return path


def test_politeness_turns_come_with_their_place_in_the_conversation(reviews):
    data = labelled_set("politeness", REVIEWS)
    assert Counter(data.labels) == {"polite": 14, "impolite": 10}
    first = _turns(reviews[0])
    assert data.inputs[0] == TurnInput(first[0], None, 0, 10)
    assert data.inputs[1] == TurnInput(first[2], first[1], 2, 8)
    assert data.licence == "ship" and data.corpora == ("labelled_transcripts",)
    assert data.files == (REVIEWS,) and data.languages == ("en",)
    assert data.name == "reviews.jsonl/politeness"


def test_dialog_acts_unlisted_turns_are_other_only_where_the_reviewer_says_so(reviews):
    data = labelled_set("dialog-acts", REVIEWS)
    assert set(data.labels) <= set(LABELS)
    # Review 2 marks every act (`unlisted: other`): all 11 of its turns are examples.
    second = _turns(reviews[1])
    rude_call = [label for item, label in zip(data.inputs, data.labels, strict=True)
                 if item.text in second and item.index is not None]
    assert len(rude_call) == 11 and rude_call.count("other") == 9
    assert len(data.labels) == 5 + 11 + 3 + 2 + 5 + 3


def test_empathy_pairs_the_agent_response_with_the_customer_turn_before(reviews):
    data = labelled_set("empathy", REVIEWS)
    turns = _turns(reviews[0])
    assert data.inputs[0] == TurnInput(text_pair(turns[1], turns[2]), turns[1])
    assert data.labels[:2] == ["empathic", "empathic"]
    assert Counter(data.labels) == {"not_empathic": 8, "empathic": 5}


def test_jargon_examples_are_the_marked_words():
    data = labelled_set("jargon", REVIEWS)
    marked = dict(zip((item.text for item in data.inputs), data.labels, strict=True))
    assert marked["DSLAM port is flapping"] == "complex"
    assert marked["BACS reconciliation"] == "complex" and marked["direct debit"] == "simple"
    assert all(item.previous is None for item in data.inputs)


def test_quality_reads_each_conversation_as_the_quality_task_reads_a_dialogue(reviews):
    data = labelled_set("quality", REVIEWS)
    assert data.labels == ["high", "low", "high", "low", "high", "low"]
    # The ending first, agent turns as the helpdesk's, as for STC-3 dialogues.
    turns = _turns(reviews[0])
    assert data.inputs[0].text.startswith(
        f"Customer: {turns[9]}\nHelpdesk: {turns[10]}\nHelpdesk: {turns[0]}\n")
    assert (data.inputs[0].index, data.inputs[0].remaining) == (0, 10)
    # The bot is the helpdesk's too; the system message is left out.
    assert "Transferred" not in data.inputs[2].text
    assert "Helpdesk: Hi! I'm the Northwind assistant" in data.inputs[2].text
    # One review gives `passed` only: no graded score for the set.
    assert data.scores is None


def test_quality_scores_are_kept_when_every_review_gives_one(tmp_path, reviews):
    graded = [r for r in reviews if "score" in r["labels"]["quality"]]
    data = labelled_set("quality", _write(tmp_path, graded))
    assert data.scores == [0.9, 0.15, 0.25, 0.95, 0.4]
    # `passed` decides where given; else the score against the midpoint.
    assert data.labels == ["high", "low", "low", "high", "low"]


def test_one_eval_review_makes_the_set_eval(tmp_path, reviews):
    marked = [*reviews[:2], {**reviews[2], "licence": "eval"}]
    assert labelled_set("politeness", _write(tmp_path, marked)).licence == "eval"


def test_dispatch_reads_jsonl_as_reviews_and_other_data_as_the_corpus():
    task = get_task("politeness")
    assert is_labelled_transcripts(REVIEWS) and not is_labelled_transcripts(REVIEWS.parent)
    assert training_data(task, REVIEWS).name == "reviews.jsonl/politeness"
    (measured,) = evaluations(task, REVIEWS)
    assert measured.protocol == "heldout" and len(measured.data.labels) == 24


def test_too_few_examples_of_a_label_to_train_is_said_plainly():
    with pytest.raises(ConfigError, match=r"too few dialog-acts examples of 'appreciation' \(1\); "
                                          r"training needs at least 3 of each label"):
        training_data(get_task("dialog-acts"), REVIEWS)


def test_a_task_without_labels_in_the_file_is_refused(tmp_path, reviews):
    path = _write(tmp_path, [{**reviews[2], "labels": {"quality": {"passed": True}}}])
    with pytest.raises(ConfigError, match=r"no empathy labels \(labels.empathy\) in any review"):
        labelled_set("empathy", path)


def _bad(review: dict, **labels) -> dict:
    return {**review, "labels": labels}


BAD_LINES = {
    "turn out of range": (
        lambda r: _bad(r, politeness={"turns": {"12": "impolite"}}),
        "labels.politeness.turns.12: turn 12 does not exist (conversation has 11 turns, 0-10)"),
    "turn not a number": (
        lambda r: _bad(r, politeness={"turns": {"third": "polite"}}),
        "labels.politeness.turns.third: 'third' is not a turn number"),
    "unknown label value": (
        lambda r: _bad(r, politeness={"turns": {"3": "rude"}}),
        "labels.politeness.turns.3: 'rude' is not a politeness label; allowed: polite, "
        "impolite"),
    "unknown dialog act": (
        lambda r: _bad(r, dialog_acts={"turns": {"0": "hello"}}),
        "labels.dialog_acts.turns.0: 'hello' is not a dialog_acts label; allowed: greeting, "
        "closing, thanking, apology, appreciation, other"),
    "unknown task": (
        lambda r: _bad(r, courtesy={"turns": {"0": "polite"}}),
        "labels.courtesy: unknown label 'courtesy'; allowed: politeness, dialog_acts, "
        "empathy, jargon, quality"),
    "empathy on a customer turn": (
        lambda r: _bad(r, empathy={"turns": {"1": "empathic"}}),
        "labels.empathy.turns.1: turn 1 is a customer turn; empathy labels go on agent turns"),
    "jargon span mismatch": (
        lambda r: _bad(r, jargon={"words": [{"turn": 4, "start": 0, "end": 5, "complex": True,
                                             "text": "Meter"}]}),
        "labels.jargon.words.0.text: characters 0-5 of turn 4 are 'Thank', not 'Meter'"),
    "jargon span past the end": (
        lambda r: _bad(r, jargon={"words": [{"turn": 3, "start": 5, "end": 90,
                                             "complex": False}]}),
        "labels.jargon.words.0: characters 5-90 are not a span of turn 3 (15 characters)"),
    "quality out of range": (
        lambda r: _bad(r, quality={"score": 1.5}),
        "labels.quality.score: Input should be less than or equal to 1"),
    "quality as a string": (
        lambda r: _bad(r, quality={"passed": "yes"}),
        "labels.quality.passed: Input should be a valid boolean"),
    "bad conversation": (
        lambda r: {**r, "conversation": {"id": "x", "turns": [{"role": "boss", "text": "hi"}]}},
        "conversation.turns.0.role: Input should be 'agent', 'customer', 'bot' or 'system'"),
    "unknown top-level field": (
        lambda r: {**r, "score": 3},
        "score: Extra inputs are not permitted"),
    "a plain conversation": (
        lambda r: r["conversation"],
        'a conversation without labels: each line is {"conversation": ..., "labels": ...}'),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_is_named_by_file_line_and_field(tmp_path, reviews, case):
    make, message = BAD_LINES[case]
    path = _write(tmp_path, [reviews[0], "", make(reviews[0])])
    with pytest.raises(ReadError) as error:
        labelled_set("politeness", path)
    assert str(error.value).startswith(f"{path}:3: {message}")


def test_invalid_json_and_bad_encoding_are_named_by_line(tmp_path, reviews):
    path = _write(tmp_path, [reviews[0], '{"conversation": {"id": "x", "turns": []'])
    with pytest.raises(ReadError, match=r"reviews.jsonl:2: invalid JSON: Expecting ',' "):
        labelled_set("politeness", path)
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes(REVIEWS.read_bytes() + json.dumps(reviews[0]).replace(
        "Ms Okafor", "Mme Géraud").encode("utf-8").replace("é".encode(), b"\xe9") + b"\n")
    with pytest.raises(ReadError, match=r"latin1.jsonl:7: not valid UTF-8"):
        labelled_set("politeness", latin)


def test_every_bad_line_is_listed_at_once(tmp_path, reviews):
    bad = _bad(reviews[0], politeness={"turns": {"40": "polite"}})
    path = _write(tmp_path, [bad, reviews[1], "not json", bad])
    with pytest.raises(ReadError) as error:
        labelled_set("quality", path)
    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}: 3 invalid reviews:"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == [f"{path}:{n}" for n in (1, 3, 4)]


@pytest.mark.slow
def test_train_and_evaluate_through_the_cli(tmp_path, monkeypatch):
    root = tmp_path / "models"
    monkeypatch.setenv("IQS_MODELS_DIR", str(root))
    # Named: a ship-licensed `politeness-minilm` v1 in the user root would tie with the
    # shipped default of that name.
    trained = runner.invoke(app, ["train", "politeness", "--data", str(REVIEWS), "--name",
                                  "politeness-reviews"])
    assert trained.exit_code == 0, trained.output
    assert trained.output.strip() == str(root / "politeness-reviews" / "1")
    shown = json.loads(runner.invoke(app, ["models", "show", "politeness-reviews"]).output)
    # Reviews are the organisation's own data: ship unless a line says otherwise.
    assert shown["licence"] == "ship" and shown["training"]["n_examples"] == 24
    assert shown["training"]["corpora"] == ["labelled_transcripts"]

    mine = runner.invoke(app, ["evaluate", "politeness", "--data", str(REVIEWS), "--model",
                               "politeness-reviews", "--format", "json"])
    assert mine.exit_code == 0, mine.output
    report = json.loads(mine.output)
    assert report["n"] == 24 and report["accuracy"] > 0.9  # its own training data
    assert report["sets"][0]["protocol"] == "reviews.jsonl/politeness, held-out"

    shipped = runner.invoke(app, ["evaluate", "politeness", "--data", str(REVIEWS),
                                  "--format", "json"])
    assert shipped.exit_code == 0, shipped.output
    assert json.loads(shipped.output)["n"] == 24


def test_cli_reports_a_bad_review_file_by_line(tmp_path, reviews):
    path = _write(tmp_path, [_bad(reviews[0], politeness={"turns": {"12": "polite"}})])
    result = runner.invoke(app, ["train", "politeness", "--data", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1: labels.politeness.turns.12: turn 12 does not exist" in result.output


def test_the_documented_example_is_a_line_of_the_fixture():
    document = (Path(__file__).parents[2] / "training" / "LABELLED_TRANSCRIPTS.md").read_text(
        encoding="utf-8")
    example = json.loads(document.split("```json\n")[1].split("```")[0])
    assert example == json.loads(REVIEWS.read_text(encoding="utf-8").splitlines()[5])
