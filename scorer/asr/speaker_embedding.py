"""Speaker embeddings (d-vectors) from Resemblyzer's pretrained voice encoder.

The `resemblyzer` package ships its trained weights (`pretrained.pt`, GE2E LSTM, Apache-2.0),
so they work offline. Its own Python module is not imported: it pulls `webrtcvad`, which breaks
on current setuptools, and `librosa`. The network (3-layer LSTM over 40 mel bands, linear +
ReLU, L2 norm) and its mel front end are small enough to rebuild here with torch and numpy.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from scorer.errors import ConfigError

SAMPLE_RATE = 16_000
_N_FFT = 400  # 25 ms windows
_HOP = 160  # 10 ms steps
_N_MELS = 40
_PARTIAL_FRAMES = 160  # the encoder sees 1.6 s at a time
_TARGET_DBFS = -30.0
EMBEDDING_SIZE = 256


class _VoiceEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(_N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, EMBEDDING_SIZE)

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        raw = torch.relu(self.linear(hidden[-1]))
        return raw / torch.norm(raw, dim=1, keepdim=True).clamp_min(1e-8)


def weights_path() -> Path:
    spec = importlib.util.find_spec("resemblyzer")  # locates without importing
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("separating the speakers of a mono call needs the package "
                          "resemblyzer (its pretrained voice encoder): pip install resemblyzer")
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


@lru_cache(maxsize=1)
def _encoder() -> _VoiceEncoder:
    encoder = _VoiceEncoder()
    checkpoint = torch.load(weights_path(), map_location="cpu", weights_only=True)
    state = {k: v for k, v in checkpoint["model_state"].items() if not k.startswith("similarity")}
    encoder.load_state_dict(state)
    encoder.eval()
    return encoder


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    """Slaney-style mel filterbank (librosa's default), shape (mels, fft bins)."""

    def hz_to_mel(hz: np.ndarray) -> np.ndarray:
        linear = hz / (200.0 / 3)
        log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(hz >= 1000.0, log_part, linear)

    def mel_to_hz(mel: np.ndarray) -> np.ndarray:
        linear = mel * (200.0 / 3)
        log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
        return np.where(mel >= 15.0, log_part, linear)

    edges = mel_to_hz(np.linspace(0.0, float(hz_to_mel(np.array(SAMPLE_RATE / 2))), _N_MELS + 2))
    bins = np.linspace(0, SAMPLE_RATE / 2, 1 + _N_FFT // 2)
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """Power mel spectrogram (not log: the encoder was trained on power), shape (frames, 40)."""
    padded = np.pad(samples, _N_FFT // 2, mode="reflect")
    count = 1 + (len(padded) - _N_FFT) // _HOP
    index = np.arange(_N_FFT)[None, :] + _HOP * np.arange(count)[:, None]
    window = np.hanning(_N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann
    power = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2
    return (power @ _mel_basis().T).astype(np.float32)


def _normalized_volume(samples: np.ndarray) -> np.ndarray:
    level = 10 * np.log10(max(float(np.mean(samples ** 2)), 1e-12))
    gain = max(0.0, _TARGET_DBFS - level)  # only ever raise quiet speech
    return samples * (10 ** (gain / 20))


def embed_utterances(utterances: list[np.ndarray]) -> np.ndarray:
    """One unit-length embedding per utterance (16 kHz mono samples), shape (n, 256)."""
    partials: list[np.ndarray] = []
    owners: list[int] = []
    for owner, samples in enumerate(utterances):
        samples = _normalized_volume(samples.astype(np.float32))
        needed = _PARTIAL_FRAMES * _HOP
        if len(samples) < needed:
            samples = np.pad(samples, (0, needed - len(samples)))
        mels = mel_frames(samples)
        # As few windows as cover the clip (Resemblyzer overlaps them more: twice the work).
        count = -(-len(mels) // _PARTIAL_FRAMES)
        for start in np.linspace(0, len(mels) - _PARTIAL_FRAMES, count).astype(int):
            partials.append(mels[start:start + _PARTIAL_FRAMES])
            owners.append(owner)
    if not partials:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
    with torch.no_grad():
        embedded = _encoder()(torch.from_numpy(np.stack(partials))).numpy()
    result = np.zeros((len(utterances), EMBEDDING_SIZE), dtype=np.float32)
    np.add.at(result, np.array(owners), embedded)
    return result / np.linalg.norm(result, axis=1, keepdims=True).clip(min=1e-8)
