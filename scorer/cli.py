"""The `iqs` command: score conversations, list scorecards, serve the API."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api import cli as api_cli
from api import cli_import as api_cli_import
from api import cli_keys as api_cli_keys
from api import cli_ops as api_cli_ops
from api import cli_originals as api_cli_originals
from api import cli_reviews as api_cli_reviews
from scorer.asr.models import DEFAULT_MODEL
from scorer.asr.options import TranscriptionOptions
from scorer.errors import IQSError, describe_validation
from scorer.readers import ReaderOptions, list_input_files, read_file
from training import cli as training_cli

app = typer.Typer(help="IQS: interaction quality scoring for calls and chats.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class TranscriptFormat(enum.StrEnum):
    JSON = "json"
    VTT = "vtt"


AsrModel = Annotated[str, typer.Option(
    "--asr-model", help="speech-to-text model: base (multilingual), tiny.en, or a CTranslate2 "
                        "Whisper folder")]
ComputeType = Annotated[str, typer.Option(help="CTranslate2 compute type: int8, float32, ...")]
BeamSize = Annotated[int, typer.Option(min=1, help="beam size of the speech recogniser")]
BatchSize = Annotated[int, typer.Option(
    min=0, help="speech windows decoded together; 0: one after another (the sequential decoder)")]
ParallelChannels = Annotated[bool, typer.Option(
    "--parallel-channels/--sequential-channels",
    help="decode a stereo call's two channels at once, one core each")]
_ASR_DEFAULTS = TranscriptionOptions()  # the command line offers the library's defaults


def _transcription(model: str, compute_type: str, beam_size: int, batch_size: int,
                   parallel_channels: bool, language: str | None) -> TranscriptionOptions:
    return TranscriptionOptions(model=model, compute_type=compute_type, beam_size=beam_size,
                                batch_size=batch_size, parallel_channels=parallel_channels,
                                language=language)


def _key_values(pairs: list[str], option: str) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint=option)
        parsed[key.strip()] = value.strip()
    return parsed


@app.command()
def score(
    paths: Annotated[list[Path], typer.Argument(help="files or folders of conversations")],
    scorecard: Annotated[str, typer.Option(help="scorecard file or bundled name")] = "default",
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    out: Annotated[Path | None, typer.Option(help="write the result here, not stdout")] = None,
    language: Annotated[str | None, typer.Option(help="force the language, e.g. ru")] = None,
    input_format: Annotated[str | None, typer.Option(help="force a reader, e.g. csv")] = None,
    csv_column: Annotated[list[str], typer.Option(
        help="CSV column mapping FIELD=COLUMN, e.g. text=message_body")] = [],  # noqa: B006
    csv_role: Annotated[list[str], typer.Option(
        help="CSV role value mapping VALUE=ROLE, e.g. staff=agent")] = [],  # noqa: B006
    encoding: Annotated[str | None, typer.Option(help="text encoding of the inputs")] = None,
    asr_model: AsrModel = DEFAULT_MODEL,
    compute_type: ComputeType = _ASR_DEFAULTS.compute_type,
    beam_size: BeamSize = _ASR_DEFAULTS.beam_size,
    batch_size: BatchSize = _ASR_DEFAULTS.batch_size,
    parallel_channels: ParallelChannels = _ASR_DEFAULTS.parallel_channels,
    workers: Annotated[int, typer.Option(
        min=1, help="processes that score a large batch (each loads the models, one torch "
                    "thread each); small batches stay in one")] = 1,
) -> None:
    """Score conversations (chats, transcripts, call recordings) against a scorecard; print
    per-agent quality or every detail."""
    # The criteria load scikit-learn and scipy: imported by the commands that score only.
    from scorer.batch import score_paths
    from scorer.report import print_table, to_csv, to_json
    from scorer.scorecard import load_scorecard
    from scorer.scoring import Scorer

    try:
        options = ReaderOptions(format=input_format, language=language, encoding=encoding,
                                csv_columns=_key_values(csv_column, "--csv-column"),
                                csv_roles=_key_values(csv_role, "--csv-role"),
                                asr=_transcription(asr_model, compute_type, beam_size,
                                                   batch_size, parallel_channels, language))
        card = load_scorecard(scorecard)
        scorer = Scorer(card, language=language)
    except ValidationError as exc:
        raise _fail(describe_validation(exc)) from exc
    except IQSError as exc:
        raise _fail(str(exc)) from exc
    files = list_input_files(paths)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=len(files) < 2) as progress:
        task = progress.add_task("reading", total=len(files))
        try:
            report = score_paths(paths, scorer, options,
                                 on_file=lambda p: progress.advance(task), workers=workers)
        except IQSError as exc:
            raise _fail(str(exc)) from exc
    if output_format is OutputFormat.TABLE:
        stream = out.open("w", encoding="utf-8") if out else sys.stdout
        console = Console(file=stream)
        if not console.is_terminal:
            console.width = 160  # logs and files: wide enough for every criterion column
        print_table(report, console)
    else:
        text = to_json(report) if output_format is OutputFormat.JSON else to_csv(report)
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        for failure in report.failures:
            err.print(f"could not read {failure.location}: {failure.message}", markup=False)
    if report.failures:
        raise typer.Exit(1)


@app.command()
def transcribe(
    calls: Annotated[list[Path], typer.Argument(help="call recordings (wav, flac, mp3, ...)")],
    output_format: Annotated[TranscriptFormat, typer.Option("--format")] = TranscriptFormat.JSON,
    out: Annotated[Path | None, typer.Option(
        help="folder to write <call>.json / <call>.vtt into; default: stdout (JSON Lines)")] = None,
    language: Annotated[str | None, typer.Option(help="force the language, e.g. ru")] = None,
    asr_model: AsrModel = DEFAULT_MODEL,
    compute_type: ComputeType = _ASR_DEFAULTS.compute_type,
    beam_size: BeamSize = _ASR_DEFAULTS.beam_size,
    batch_size: BatchSize = _ASR_DEFAULTS.batch_size,
    parallel_channels: ParallelChannels = _ASR_DEFAULTS.parallel_channels,
) -> None:
    """Transcribe call recordings into timed conversations with roles (IQS JSON or WebVTT)."""
    from scorer.asr import to_webvtt

    options = ReaderOptions(format="audio", language=language,
                            asr=_transcription(asr_model, compute_type, beam_size, batch_size,
                                               parallel_channels, language))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=len(calls) < 2) as progress:
        task = progress.add_task("transcribing", total=len(calls))
        for call in calls:
            try:
                conversation = read_file(call, options)[0]
            except IQSError as exc:
                err.print(f"could not transcribe {exc}", markup=False)
                failed += 1
                continue
            finally:
                progress.advance(task)
            text = (to_webvtt(conversation) if output_format is TranscriptFormat.VTT
                    else conversation.model_dump_json(exclude_none=True))
            if out is None:
                sys.stdout.write(text.rstrip("\n") + "\n")
            else:
                (out / f"{call.stem}.{output_format.value}").write_text(text, encoding="utf-8")
    if failed:
        raise typer.Exit(1)


@app.command()
def scorecards(
    check: Annotated[Path | None, typer.Option(help="validate this scorecard file")] = None,
) -> None:
    """List the bundled scorecards, or validate one file."""
    from scorer.scorecard import bundled_scorecards, load_scorecard

    try:
        for path in [check] if check else bundled_scorecards():
            card = load_scorecard(path)
            criteria = ", ".join(f"{k}{'!' if s.critical else ''}" for k, s in
                                 card.criteria.items())
            typer.echo(f"{card.name}\t{path}\t{criteria}")
    except IQSError as exc:
        raise _fail(str(exc)) from exc


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the QA service: ingestion, stored scores, per-agent numbers (settings from IQS_*
    variables: IQS_HOME, IQS_DATABASE_URL, IQS_BROKER_URL). With no API key in the store it
    runs open (anyone reaching it is admin), and only on a loopback address."""
    import uvicorn

    from api.app import create_app
    from api.jobs.runtime import Runtime
    from api.security.auth import loopback
    from api.security.keys import active_count
    from api.settings import Settings

    try:
        settings = Settings(bind_host=host)
        runtime = Runtime(settings)
        runtime.prepare()  # a store on an old schema stops here, with the fix named
        with runtime.sessions() as session:
            keys = active_count(session)
        runtime.close()
    except ValidationError as exc:
        raise _fail(describe_validation(exc)) from exc
    except IQSError as exc:
        raise _fail(str(exc)) from exc
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if keys == 0 and not loopback(host):
        raise _fail(f"no API key in the store, and {host} is not a loopback address: anyone "
                    f"who reaches {where} would have admin rights. Create a key first with "
                    "`iqs keys create --role admin` (and send it as `Authorization: Bearer "
                    "<key>`), or serve on 127.0.0.1.")
    # The first line of the log: who may call this server.
    if keys == 0:
        sys.stderr.write(f"WARNING:  open mode: no API keys; anyone who can reach {where} has "
                         "admin rights; create one with `iqs keys create --role admin`\n")
    else:
        sys.stderr.write(f"INFO:     {keys} active API key(s): every route but /health and "
                         "the API pages needs one\n")
    sys.stderr.flush()
    uvicorn.run(create_app(settings), host=host, port=port)


# Training, evaluation and the model registry (training/cli.py): `iqs train`, `iqs evaluate`,
# `iqs models list|show`.
app.command()(training_cli.train)
app.command()(training_cli.evaluate)
app.add_typer(training_cli.models_app, name="models")
# The service's store and workers (api/cli_import.py, api/cli_ops.py): `iqs import`, `iqs
# worker`, `iqs db`.
app.command("import")(api_cli_import.import_)
app.command()(api_cli_ops.worker)
app.add_typer(api_cli_ops.db_app, name="db")
app.add_typer(api_cli_keys.app, name="keys")  # api/cli_keys.py: `iqs keys create|list|revoke`
app.add_typer(api_cli.app)  # api/cli.py: `iqs agents`, `iqs conversations` from the store
app.add_typer(api_cli_reviews.reviews_app, name="reviews")  # reviews as labelled transcripts
app.add_typer(api_cli_originals.originals_app, name="originals")  # kept originals, encrypted


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


if __name__ == "__main__":
    app()
