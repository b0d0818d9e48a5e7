"""Read queries over the store, shared by the API, the CLI and the pages, so that none shows a
number another would not give.

Everything reads, per conversation, the latest score run of one scorecard version
(`latest_runs`): rescoring adds runs, never changes one. Aggregates are counts and sums in SQL,
turned into a mean and a 95% interval by `scorer.aggregation.interval_from_sums`, the one
implementation the CLI's table uses too; weekly trends are grouped in Python from the
(occurred_at, score) rows, since SQLite and PostgreSQL truncate dates differently.
"""

from api.store.queries.aggregates import *  # noqa: F403
from api.store.queries.audit import *  # noqa: F403
from api.store.queries.conversations import *  # noqa: F403
from api.store.queries.export import *  # noqa: F403
from api.store.queries.filters import *  # noqa: F403
