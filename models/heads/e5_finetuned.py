"""`E5FineTunedClassifier`: multilingual-e5-small (the `e5torch` encoder) fine-tuned end to end
with a linear layer over its sentence vector, for a head trained on English that must carry
over to the other languages. Same inputs and outputs as `EmbeddingClassifier`.

The lower `frozen_layers` encoder layers and the embeddings keep their packaged weights (the
word table stays 4-bit): the layers where the languages share most of their representation
are left as they are, and only the upper layers are stored, at half precision (about 3.5 MB
a layer). The linear layer starts as a logistic regression on the untuned vectors, so the
fine-tuning begins from the frozen-vector head instead of a random one. Prediction is
`E5TorchEncoder.encode` (same windows, same speed) and the linear layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from models.heads.finetuned import torch_threads, training_examples
from models.heads.inputs import TurnInput, as_turn_inputs

if TYPE_CHECKING:
    import torch

    from models.encoders.e5_torch import E5TorchEncoder


class E5FineTunedClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """`scale` multiplies the unit-length vector before the linear layer (logits of a useful
    size); `C` is the initial logistic regression's. `n_jobs`: CPU threads (default: torch's
    setting, within the CPUs this process may use)."""

    def __init__(self, epochs: int = 2, batch_size: int = 16, learning_rate: float = 3e-5,
                 max_length: int = 96, frozen_layers: int = 6, C: float = 1.0,
                 scale: float = 20.0, weight_decay: float = 0.01, warmup_ratio: float = 0.1,
                 seed: int = 0, n_jobs: int | None = None) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.frozen_layers = frozen_layers
        self.C = C
        self.scale = scale
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, inputs: Sequence[str | TurnInput],
            labels: Sequence[object]) -> E5FineTunedClassifier:
        import torch

        from models.encoders.e5_torch import E5TorchEncoder

        turns, self.classes_, targets = training_examples(inputs, labels)
        with torch_threads(self.n_jobs):
            torch.manual_seed(self.seed)
            encoder = E5TorchEncoder("fp32")
            windows = encoder.truncated([turn.text for turn in turns], self.max_length)
            head = self._initial_head(encoder, windows, targets)
            trained = self._trainable(encoder.model)
            self.loss_curve_ = self._train(encoder, head, windows,
                                           torch.as_tensor(targets, dtype=torch.long), trained)
        # Half precision is what is stored: predict with exactly that.
        self.tuned_ = {name: p.detach().numpy().astype(np.float16)
                       for name, p in encoder.model.named_parameters() if p.requires_grad}
        self.coef_ = head.weight.detach().numpy().copy()
        self.intercept_ = head.bias.detach().numpy().copy()
        self.encoder_model_id_ = self._encoder().model_id
        return self

    def _trainable(self, model: torch.nn.Module) -> list[torch.nn.Parameter]:
        frozen = ("embeddings.", *(f"encoder.layer.{i}." for i in range(self.frozen_layers)))
        trained = []
        for name, parameter in model.named_parameters():
            parameter.requires_grad_(not name.startswith(frozen))
            if parameter.requires_grad:
                trained.append(parameter)
        return trained

    def _vectors(self, encoder: E5TorchEncoder, windows: list[list[int]]) -> torch.Tensor:
        import torch

        return torch.nn.functional.normalize(encoder.pooled(windows), dim=-1) * self.scale

    def _initial_head(self, encoder: E5TorchEncoder, windows: list[list[int]],
                      targets: np.ndarray) -> torch.nn.Linear:
        """A logistic regression on the untuned vectors, as the linear layer."""
        import torch

        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        vectors = np.empty((len(windows), encoder.dimension), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), 64):
                rows = order[start:start + 64]
                vectors[rows] = self._vectors(encoder, [windows[i] for i in rows]).numpy()
        regression = LogisticRegression(C=self.C, max_iter=3000).fit(vectors, targets)
        coef, intercept = regression.coef_, regression.intercept_
        if len(self.classes_) == 2:  # one logit difference: split it over the two classes
            coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.array(
                [-intercept[0] / 2, intercept[0] / 2])
        head = torch.nn.Linear(encoder.dimension, len(self.classes_))
        with torch.no_grad():
            head.weight.copy_(torch.from_numpy(coef.astype(np.float32)))
            head.bias.copy_(torch.from_numpy(intercept.astype(np.float32)))
        return head

    def _train(self, encoder: E5TorchEncoder, head: torch.nn.Linear, windows: list[list[int]],
               targets: torch.Tensor, trained: list[torch.nn.Parameter]) -> list[float]:
        """AdamW with linear warm-up and decay over shuffled mini-batches; the mean training
        loss per epoch."""
        import torch
        from transformers import get_linear_schedule_with_warmup

        n = len(windows)
        total = max(1, -(-n // self.batch_size) * self.epochs)
        parameters = [*trained, *head.parameters()]
        optimizer = torch.optim.AdamW(parameters, lr=self.learning_rate,
                                      weight_decay=self.weight_decay)
        schedule = get_linear_schedule_with_warmup(optimizer, int(self.warmup_ratio * total),
                                                   total)
        order = torch.Generator().manual_seed(self.seed)
        curve = []
        encoder.model.train()
        for _ in range(self.epochs):
            losses = []
            for batch in torch.randperm(n, generator=order).split(self.batch_size):
                logits = head(self._vectors(encoder, [windows[i] for i in batch.tolist()]))
                loss = torch.nn.functional.cross_entropy(logits, targets[batch])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()) * len(batch))
            curve.append(sum(losses) / n)
        encoder.model.eval()
        return curve

    def _encoder(self) -> E5TorchEncoder:
        """The tuned encoder at the machine's serving precision, built on first use."""
        encoder: E5TorchEncoder | None = self.__dict__.get("encoder_")
        if encoder is None:
            from models.encoders.e5_torch import E5TorchEncoder

            encoder = E5TorchEncoder(tuned=self.tuned_)
            self.encoder_ = encoder
        return encoder

    def predict_proba(self, inputs: Sequence[str | TurnInput]) -> np.ndarray:
        """(n, len(classes_)) probabilities, each row summing to 1."""
        turns = as_turn_inputs(inputs)
        if not turns:
            return np.empty((0, len(self.classes_)))
        with torch_threads(self.n_jobs):
            vectors = self._encoder().encode([turn.text for turn in turns])
        logits = self.scale * vectors @ self.coef_.T + self.intercept_
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return np.asarray(odds / odds.sum(axis=1, keepdims=True))

    def predict(self, inputs: Sequence[str | TurnInput]) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(inputs).argmax(axis=1)]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("encoder_", None)  # rebuilt from `tuned_` and the packaged weights
        return state
