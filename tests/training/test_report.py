import json

import numpy as np
import pytest

from training.evaluate import classification_metrics
from training.report import Metrics, Report, SetReport


def test_metrics_of_a_known_confusion():
    truth = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "b", "a"]
    m = classification_metrics(truth, predicted, ["a", "b", "c"])
    assert m.n == 6 and m.accuracy == pytest.approx(4 / 6)
    assert m.f1_per_class == pytest.approx({"a": 2 * 2 / (3 + 3), "b": 2 * 2 / (3 + 2),
                                            "c": 0.0})
    assert m.macro_f1 == pytest.approx(np.mean(list(m.f1_per_class.values())))
    assert m.confusion["matrix"] == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert m.support == {"a": 3, "b": 2, "c": 1}


def test_pooled_metrics_from_confusions_equal_metrics_of_pooled_predictions():
    first = classification_metrics(["x", "y", "y"], ["x", "y", "x"], ["x", "y"])
    second = classification_metrics(["y", "x", "x", "y"], ["y", "x", "y", "y"], ["x", "y"])
    pooled = classification_metrics(["x", "y", "y", "y", "x", "x", "y"],
                                    ["x", "y", "x", "y", "x", "y", "y"], ["x", "y"])
    sets = [SetReport(data=n, protocol="held-out", model="m", metrics=m)
            for n, m in (("one", first), ("two", second))]
    report = Report.build("toy", sets)
    assert report.pooled.accuracy == pytest.approx(pooled.accuracy)
    assert report.pooled.f1_per_class == pytest.approx(pooled.f1_per_class)
    assert report.pooled.kappa == pytest.approx(pooled.kappa)
    document = json.loads(report.to_json())
    assert document["n"] == 7 and [s["data"] for s in document["sets"]] == ["one", "two"]
    assert "## two (held-out)" in report.to_markdown()


def test_pearson_r_is_reported_only_with_scores():
    with_scores = classification_metrics(["p", "i", "p"], ["p", "i", "i"], ["i", "p"],
                                         np.array([0.9, 0.1, 0.4]), [2.0, -1.0, 0.5])
    assert with_scores.pearson_r == pytest.approx(np.corrcoef([0.9, 0.1, 0.4],
                                                              [2.0, -1.0, 0.5])[0, 1])
    assert classification_metrics(["p"], ["p"], ["p"]).pearson_r is None
    assert isinstance(Metrics.from_confusion(["p"], np.array([[1]])), Metrics)
