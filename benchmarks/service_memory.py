"""The API server's memory with every shipped model loaded (issue 10: at most 1.5 GB RSS).

Starts `iqs serve` on loopback (open mode, an SQLite store in a temporary folder), scores a
chat in each of the seven languages through `POST /v1/score` (the English encoder and heads,
spaCy, the multilingual encoder and its heads), then imports the two sample calls through
`POST /v1/conversations` (the speech model, the stereo and the mono path with its speaker
encoder, redaction) and waits for the job. The RSS of the server's process tree is sampled
all along (psutil); each stage prints the RSS after it, so the growth shows which models hold
what. See benchmarks/SERVICE.md.

    python benchmarks/service_memory.py [--asr-model base] [--settle 10] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from benchmarks.service_common import (
    REPO,
    exit_on_sigterm,
    markdown,
    print_environment,
    service_env,
    serving,
)

ANCHOR_BYTES = 1.5e9
"""Issue 10: the API server with every shipped model loaded, at most 1.5 GB RSS."""
MB = 1e6

# One chat per supported language: an agent greeting, the customer's problem, the agent's
# apology and farewell (a few turns are enough to run every criterion's models).
CHATS: dict[str, list[tuple[str, str]]] = {
    "en": [("agent", "Thank you for calling, my name is Anna, how can I help you today?"),
           ("customer", "You charged me twice for the same payment and I am really upset."),
           ("agent", "I am so sorry about that, I will refund it today. Have a nice day!")],
    "ru": [("agent", "Здравствуйте, меня зовут Анна, чем я могу вам помочь сегодня?"),
           ("customer", "С меня дважды списали деньги за один платёж, я очень недоволен."),
           ("agent", "Приношу извинения, я верну деньги сегодня. Всего доброго!")],
    "ar": [("agent", "مرحباً بك، كيف يمكنني مساعدتك في حسابك اليوم؟"),
           ("customer", "لقد تم خصم المبلغ مرتين من حسابي وأنا غاضب جداً."),
           ("agent", "أعتذر عن ذلك، سأعيد المبلغ اليوم. شكراً لاتصالك، مع السلامة.")],
    "fa": [("agent", "سلام، وقت شما بخیر، چطور می‌توانم امروز به شما کمک کنم؟"),
           ("customer", "مبلغ دو بار از حساب من کم شده و من خیلی ناراحتم."),
           ("agent", "عذر می‌خواهم، امروز مبلغ را برمی‌گردانم. روز خوبی داشته باشید، خداحافظ.")],
    "ms": [("agent", "Selamat pagi, terima kasih kerana menghubungi kami, apa yang boleh "
                     "saya bantu?"),
           ("customer", "Akaun saya dicaj dua kali untuk bayaran yang sama, saya sangat kecewa."),
           ("agent", "Saya mohon maaf, wang itu akan dikembalikan hari ini. Selamat tinggal!")],
    "uz": [("agent", "Assalomu alaykum, qo'ng'iroq qilganingiz uchun rahmat, sizga qanday "
                     "yordam beray?"),
           ("customer", "Hisobimdan bir to'lov uchun ikki marta pul yechildi, juda xafaman."),
           ("agent", "Uzr so'rayman, pulni bugun qaytaramiz. Xayr, yaxshi kun tilayman!")],
    "mn": [("agent", "Сайн байна уу, манай компанид хандсанд баярлалаа, танд юугаар туслах вэ?"),
           ("customer", "Миний данснаас нэг төлбөрийг хоёр удаа хассан, би их бухимдаж байна."),
           ("agent", "Уучлаарай, мөнгийг өнөөдөр буцааж шилжүүлнэ. Баярлалаа, сайн яваарай!")],
}
CALLS = REPO / "samples" / "calls"


def tree_rss(root: psutil.Process) -> int:
    """Resident bytes of `root` and its children (a child's shared pages count again)."""
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


class Sampler:
    """The tree's RSS every `interval` seconds, in a thread; `peak` is the largest seen."""

    def __init__(self, root: psutil.Process, interval: float = 0.1) -> None:
        self.root, self.interval, self.peak = root, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def read(self) -> int:
        rss = tree_rss(self.root)
        self.peak = max(self.peak, rss)
        return rss

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.read()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def score_chat(client: httpx.Client, language: str) -> dict[str, Any]:
    turns = [{"role": role, "text": text} for role, text in CHATS[language]]
    response = client.post("/v1/score", json={"id": f"memory-{language}", "language": language,
                                              "agent_id": "a-memory", "turns": turns})
    response.raise_for_status()
    return dict(response.json())


def import_calls(client: httpx.Client, asr_model: str, timeout: float) -> dict[str, Any]:
    """Upload the sample calls with their .yaml; wait for the job; its final state."""
    paths = sorted(p for p in CALLS.iterdir() if p.suffix in (".flac", ".yaml"))
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    response = client.post("/v1/conversations", params={"asr_model": asr_model}, files=files)
    response.raise_for_status()
    job = dict(response.json()["job"])
    deadline = time.monotonic() + timeout
    while job["state"] not in ("done", "failed"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"call import job {job['id']} not done after {timeout:.0f} s")
        time.sleep(1)
        job = dict(client.get(f"/v1/jobs/{job['id']}").json())
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asr-model", default="base", help="speech model of the call import")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds idle after the last request before the steady reading")
    parser.add_argument("--keep", action="store_true", help="keep the store folder")
    args = parser.parse_args()
    exit_on_sigterm()
    print_environment()
    home = Path(tempfile.mkdtemp(prefix="iqs-memory-"))
    rows: list[tuple[str, float, float, float]] = []
    try:
        with serving(service_env(home), home / "serve.log") as (base, server), \
                httpx.Client(base_url=base, timeout=600) as client, \
                Sampler(psutil.Process(server.pid)) as sampler:
            before = sampler.read()
            rows.append(("started (/health answered)", before / MB, 0.0, sampler.peak / MB))

            def stage(name: str) -> None:
                nonlocal before
                now = sampler.read()
                rows.append((name, now / MB, (now - before) / MB, sampler.peak / MB))
                before = now

            for language in CHATS:
                started = time.perf_counter()
                scored = score_chat(client, language)
                stage(f"POST /v1/score, {language} ({time.perf_counter() - started:.1f} s, "
                      f"score {scored['score']})")
            started = time.perf_counter()
            job = import_calls(client, args.asr_model, timeout=900)
            stage(f"2 sample calls imported, ASR {args.asr_model} (job {job['state']}, "
                  f"{time.perf_counter() - started:.0f} s)")
            for language in CHATS:  # a second round: does anything keep growing?
                score_chat(client, language)
            stage("POST /v1/score again, 7 languages")
            time.sleep(args.settle)
            stage(f"idle {args.settle:.0f} s (steady)")
            steady, peak = sampler.read(), sampler.peak
            pss = sum(p.memory_full_info().pss for p in
                      [psutil.Process(server.pid), *psutil.Process(server.pid).children(True)])
    finally:
        if args.keep:
            print(f"store kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    print("## Server RSS by stage (MB = 10^6 bytes; process tree of `iqs serve`)\n")
    print(markdown(["stage", "RSS after, MB", "growth, MB", "peak so far, MB"], rows))
    print(f"\nsteady RSS {steady / MB:,.0f} MB (PSS {pss / MB:,.0f} MB), peak RSS "
          f"{peak / MB:,.0f} MB; anchor {ANCHOR_BYTES / MB:,.0f} MB: "
          f"{'within' if peak <= ANCHOR_BYTES else 'OVER'} (peak), "
          f"{'within' if steady <= ANCHOR_BYTES else 'OVER'} (steady)")


if __name__ == "__main__":
    main()
