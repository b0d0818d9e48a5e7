from collections import Counter

from scorer.readers import read_paths
from tests.scorer.readers.readers_paths import SAMPLES


def test_bundled_samples_read_without_options():
    batch = read_paths([SAMPLES])
    assert batch.failures == []
    conversations = batch.conversations
    assert 8 <= len(conversations) <= 12
    assert len({c.id for c in conversations}) == len(conversations)
    per_agent = Counter(c.agent_id for c in conversations)
    assert None not in per_agent and sum(n > 1 for n in per_agent.values()) >= 3
    languages = {c.language for c in conversations if c.language}
    assert {"en", "ru", "fa", "uz", "ms"} <= languages
    assert {p.suffix for p in SAMPLES.iterdir()} >= {".jsonl", ".csv", ".txt"}
    timed_csv = [c for c in conversations if c.source and c.source.endswith(".csv")]
    assert timed_csv and all(c.start_time and all(t.start is not None for t in c.turns)
                                for c in timed_csv)
