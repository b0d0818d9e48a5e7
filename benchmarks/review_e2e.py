"""Issue 9 end to end on real data: import the Harper Valley and ABCD samples and STC-3 into a
fresh store (`iqs import`, default scorecard), make a qa key for the AI reviewer and an ml key
(`iqs keys create`), serve (`iqs serve`), submit the judgements of benchmarks/data/reviews/
e2e_reviews.jsonl through the conversation pages' review form in headless chromium, read the
agreement report (GET /v1/agreement) beside benchmarks/review_labels_summary.py's table, retrain
politeness (and dialog acts for greeting) from the reviews as jobs and report each stored
comparison on the held-back reviews, and whether a scorecard version may switch to the model.

    python benchmarks/review_e2e.py [--home DIR] [--limit N --subset] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.review_e2e_pages import Judgement, shoot, signed_in, submit
from benchmarks.review_labels_summary import CRITERIA, DEFAULT, pairs_of
from benchmarks.service_common import SHARED, run_iqs, served, service_env
from scorer.agreement import agreement

CORPORA = {"harper_valley_sample": "harper_valley_sample/0002f70f7386445b.compact.json",
           "abcd_sample": "abcd_sample/abcd_sample.json",
           "stc3_dch1": "stc3_dch1/train_data_en.json"}
"""The files the labels were made on (benchmarks/data/reviews/README.md), by source."""
REVIEWER = "claude-iqs-dev (Claude, Anthropic; AI reviewer)"
TRAININGS = (("politeness", "politeness", "politeness-reviews"),
             ("dialog-acts", "greeting", "dialog-acts-reviews"))
"""(task, criterion, model name) retrained from the reviews."""


class Report:
    """Lines printed as they come and kept for the Markdown file."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            self.lines.append(line)


def load_reviews(path: Path, limit: int | None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if limit is None:
        return rows
    flagged = [row for row in rows if row["flagged"]][:limit]
    return flagged + [row for row in rows if not row["flagged"]][:1]


def corpus_files(home: Path, reviews: list[dict[str, Any]], subset: bool) -> list[Path]:
    """The three files; with `subset`, STC-3 cut to the reviewed dialogues (a quick run)."""
    files = [SHARED / "corpora" / relative for relative in CORPORA.values()]
    if subset:
        wanted = {r["external_id"] for r in reviews if r["source"] == "stc3_dch1"}
        dialogues = json.loads(files[2].read_text(encoding="utf-8"))
        cut = home / "train_data_en.json"
        cut.write_text(json.dumps([d for d in dialogues if str(d["id"]) in wanted]), "utf-8")
        files[2] = cut
    return files


def iqs(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    done = run_iqs(args, env, timeout)
    if done.returncode != 0:
        raise SystemExit(f"iqs {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def conversation_ids(api: httpx.Client) -> dict[str, int]:
    """Store id by external id, every stored conversation (paged)."""
    found: dict[str, int] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/conversations", params=params).raise_for_status().json()
        found.update({item["external_id"]: item["id"] for item in page["items"]})
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def judgement_of(row: dict[str, Any], conversation_id: int, run: dict[str, Any],
                 drift: Counter[str]) -> Judgement:
    """The form's entries for the reviewer's verdicts against the machine verdicts stored now
    (which `drift` counts where they differ from the ones the reviewer judged)."""
    verdicts: dict[str, str] = {}
    left_out: list[str] = []
    for name, judged in row["criteria"].items():
        machine = run["criteria"][name]
        now = machine["passed"] if machine["applicable"] else None
        if now != judged["machine"]["passed"]:
            drift[name] += 1
        human = judged["passed"]
        if human == now:
            verdicts[name] = "agree"
        elif human is None:
            left_out.append(name)
        else:
            verdicts[name] = "pass" if human else "fail"
    comments = {name: judged["comment"] for name, judged in row["criteria"].items()
                if judged.get("comment") and name in verdicts}
    return Judgement(conversation_id, verdicts, comments, row.get("note") or "", left_out)


def landed(api: httpx.Client, judgement: Judgement) -> bool:
    """Whether the stored review says what the form was filled with."""
    reviews = api.get(f"/v1/conversations/{judgement.conversation_id}/reviews")
    stored = reviews.raise_for_status().json()["reviews"]
    if len(stored) != 1:
        return False
    said = {name: "agree" if v["agree"] else ("pass" if v["passed"] else "fail")
            for name, v in stored[0]["criteria"].items()}
    return said == judgement.verdicts


def number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def agreement_table(report: Report, served_report: dict[str, Any],
                    rows: list[dict[str, Any]]) -> None:
    """The service's numbers per criterion beside the label file's own (review_labels_summary)."""
    report("| criterion | n | accuracy | Cohen's kappa | MpHp | MpHf | MfHp | MfHf | "
           "label file: n | label file: kappa |", "|---|---|---|---|---|---|---|---|---|---|")
    by_name = {c["criterion"]: c for c in served_report["criteria"]}
    for name in CRITERIA:
        found = by_name.get(name)
        ours = agreement(pairs_of(rows, name)[0])
        if found is None:
            cells = ["0", "-", "-", "0", "0", "0", "0"]
        else:
            c = found["confusion"]
            kappa = number(found["kappa"]) if found["kappa"] is not None else "undefined"
            cells = [str(found["n"]), number(found["accuracy"]), kappa,
                     *(str(c[k]) for k in ("machine_passed_human_passed",
                                           "machine_passed_human_failed",
                                           "machine_failed_human_passed",
                                           "machine_failed_human_failed"))]
        label_kappa = number(ours.kappa.value) if ours.kappa.value is not None else "undefined"
        report(f"| {name} | " + " | ".join(cells) + f" | {ours.n} | {label_kappa} |")
    overall = served_report["overall"]
    report("", f"Overall (service): n {overall['n']}, accuracy {number(overall['accuracy'])}, "
               f"kappa {number(overall['kappa'])}; reviews counted: {served_report['reviews']}.")


def wait_job(api: httpx.Client, job_id: str, limit: float = 1800) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while True:
        job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}").raise_for_status().json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(2)


def retrain(report: Report, ml: httpx.Client, qa: httpx.Client, seed: int) -> None:
    """Each training job, its stored comparison, and whether a scorecard version may use it."""
    for task, criterion, name in TRAININGS:
        asked = {"task": task, "criterion": criterion, "name": name, "held_out_share": 0.3,
                 "seed": seed}
        answer = ml.post("/v1/models/train", json=asked)
        report("", f"### {task} for {criterion}: `POST /v1/models/train {json.dumps(asked)}`",
               "", f"Answer: {answer.status_code}")
        if answer.status_code != 202:
            report(f"Refused: {answer.text}")
            continue
        job = wait_job(ml, answer.json()["id"])
        report(f"Job {job['id']}: {job['state']}" + (f" — {job['error']}" if job["error"] else "")
               + (f"; model {job['model']}" if job.get("model") else ""))
        if job["state"] != "done":
            continue
        model = ml.get(f"/v1/models/{name}").raise_for_status().json()
        comparison = model["versions"][-1]["review_comparison"]
        report(f"Trained on {comparison['trained_reviews']} reviewed conversations; compared on "
               f"the {comparison['held_back_reviews']} held back (seed {comparison['seed']}).", "",
               "| model | n | accuracy | Cohen's kappa | task: labelled examples | task: accuracy "
               "| task: macro F1 |", "|---|---|---|---|---|---|---|")
        for role in ("active", "new"):
            side, task_side = comparison[role], comparison[role]["task_metrics"]
            report(f"| {role}: {side['model']} | {side['n']} | {number(side['accuracy'])} | "
                   f"{number(side['kappa'])} | {task_side.get('n', '-')} | "
                   f"{number(task_side.get('accuracy'))} | {number(task_side.get('macro_f1'))} |")
        may_switch(report, qa, criterion, name)


def may_switch(report: Report, qa: httpx.Client, criterion: str, model: str) -> None:
    """POST a scorecard version naming the model for the criterion: 201, or the 422's reason."""
    scorecard = qa.get("/v1/scorecards/default").raise_for_status().json()
    content = yaml.safe_load(scorecard["content"])
    content["criteria"][criterion].setdefault("params", {})["model"] = model
    answer = qa.post("/v1/scorecards/default/versions",
                     json={"content": yaml.safe_dump(content, sort_keys=False)})
    if answer.status_code == 201:
        report("", f"Scorecard version naming `{model}` for {criterion}: 201, version "
                   f"{answer.json()['version']} stored.")
    else:
        report("", f"Scorecard version naming `{model}` for {criterion}: {answer.status_code} — "
                   f"{answer.text[:600]}")


def screenshots(page: Any, api: httpx.Client, shots: Path, example: int) -> None:
    """The queue, a conversation with a criterion selected, agreement, an agent's page."""
    shoot(page, shots / "queue.png", "/queue")
    shoot(page, shots / "conversation-empathy.png", f"/conversations/{example}", "empathy")
    shoot(page, shots / "agreement.png", "/agreement")
    if api.get("/v1/agents").raise_for_status().json()["agents"]:
        page.goto("/agents?scorecard=default&version=1")  # the corpora name no agents:
        # the first is "(unknown)"
        page.click("main a[href^='/agents/']")
        page.wait_for_load_state()
        shoot(page, shots / "agent.png", page.url)


def run(args: argparse.Namespace, home: Path, report: Report) -> None:
    rows = load_reviews(args.reviews, args.limit)
    env = service_env(home, IQS_MODELS_DIR=str(home / "user-models"), IQS_RATE_LIMIT="",
                      IQS_REFUSED_RATE_LIMIT="")
    files = corpus_files(home, rows, args.subset)
    started = time.monotonic()
    report(f"Import: {iqs(env, 'import', *map(str, files))} "
           f"({time.monotonic() - started:.0f} s)")
    qa_key = iqs(env, "keys", "create", "--role", "qa", "--name", REVIEWER)
    ml_key = iqs(env, "keys", "create", "--role", "ml", "--name", "e2e retraining")
    with ExitStack() as stack:
        base = stack.enter_context(served(env, home / "serve.log"))
        qa = stack.enter_context(httpx.Client(base_url=base, timeout=120, headers={
            "Authorization": f"Bearer {qa_key}"}))
        ml = stack.enter_context(httpx.Client(base_url=base, timeout=120, headers={
            "Authorization": f"Bearer {ml_key}"}))
        queue = qa.get("/v1/review-queue", params={"limit": 500}).raise_for_status().json()
        report(f"Review queue (first page, limit 500): {len(queue['items'])} items")
        ids = conversation_ids(qa)
        drift: Counter[str] = Counter()
        judgements = [judgement_of(row, ids[row["external_id"]], qa.get(
            f"/v1/conversations/{ids[row['external_id']]}").raise_for_status().json()["run"],
            drift) for row in rows]
        page = stack.enter_context(signed_in(base, qa_key))
        started = time.monotonic()
        for judgement in judgements:
            submit(page, judgement)
        seconds = time.monotonic() - started
        stored = sum(landed(qa, j) for j in judgements)
        left_out = Counter(name for j in judgements for name in j.left_out)
        sources = Counter(row["source"] for row in rows)
        report(f"Reviews submitted through the pages: {len(judgements)} "
               f"({', '.join(f'{s} {n}' for s, n in sorted(sources.items()))}; flagged "
               f"{sum(r['flagged'] for r in rows)}) in {seconds:.0f} s; stored as filled: "
               f"{stored}/{len(judgements)}.",
               f"Criteria left out (reviewer: not applicable, machine judged; the form cannot "
               f"say it): {dict(left_out) or 'none'}.",
               f"Machine verdicts that differ from the ones the reviewer judged: "
               f"{dict(drift) or 'none'}.", "", "## Agreement (GET /v1/agreement)", "")
        agreement_table(report, qa.get("/v1/agreement").raise_for_status().json(), rows)
        if args.shots:
            screenshots(page, qa, args.shots, judgements[0].conversation_id)
        report("", "## Retraining from the reviews")
        retrain(report, ml, qa, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="the store's folder (default: a temporary one)")
    parser.add_argument("--reviews", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, help="only the first N flagged reviews (and one "
                                                  "unflagged)")
    parser.add_argument("--subset", action="store_true",
                        help="import only the reviewed STC-3 dialogues (a quick run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shots", type=Path, help="folder for the pages' screenshots")
    parser.add_argument("--out", type=Path, help="also write the report here (Markdown)")
    args = parser.parse_args()
    report = Report()
    load = os.getloadavg()
    report(f"Command: `python benchmarks/review_e2e.py {' '.join(sys.argv[1:])}`",
           f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at start "
           f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)", "")
    with ExitStack() as stack:
        home = args.home or Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="iqs-review-e2e-")))
        home.mkdir(parents=True, exist_ok=True)
        run(args, home, report)
    load = os.getloadavg()
    report("", f"Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.out:
        args.out.write_text("\n".join(report.lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
