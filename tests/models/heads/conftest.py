"""Fixtures shared by the head tests."""

import pytest

from corpora.loaders import binary_requests, load_stanford_politeness


@pytest.fixture(scope="module")
def requests(request):
    """The first polite and impolite Wikipedia requests of the Stanford corpus, as many of
    each as the module's `PER_CLASS`: texts, then labels."""
    n = request.module.PER_CLASS
    corpus = binary_requests(load_stanford_politeness(), "wikipedia")
    polite = [r.text for r in corpus if r.label == 1][:n]
    impolite = [r.text for r in corpus if r.label == 0][:n]
    return polite + impolite, ["polite"] * n + ["impolite"] * n
