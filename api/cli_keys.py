"""`iqs keys create|list|revoke`: API keys in the configured store (IQS_HOME,
IQS_DATABASE_URL). A key is printed once, when created; the store keeps only the hash of its
secret. Every command is written to the audit log (role "admin-cli": whoever can run `iqs` on
the store is its administrator). Registered in scorer/cli.py."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli import StoreFormat, _write, store

app = typer.Typer(help="API keys: create one (shown once), list them, revoke one.",
                  no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


@app.command()
def create(
    role: Annotated[str, typer.Option(
        help="admin, qa, supervisor, agent, ml or integration")],
    team: Annotated[list[str], typer.Option(
        help="a team a supervisor leads (repeat for several)")] = [],  # noqa: B006
    agent: Annotated[str | None, typer.Option(help="an agent key's own agent id")] = None,
    name: Annotated[str | None, typer.Option(help="what the key is for, e.g. crm-import")
                    ] = None,
    expires_days: Annotated[int | None, typer.Option(
        min=1, help="the key stops working after this many days; default: never")] = None,
) -> None:
    """Create a key and print it (only this once: keep it; the store has only its hash)."""
    from api.security.audit import ALLOWED, CLI_ROLE, record
    from api.security.keys import create_key
    from api.store.db import transaction

    with store() as runtime, transaction(runtime.sessions) as session:
        row, key = create_key(session, role, team, agent, name, expires_days)
        record(session, action="cli keys create", outcome=ALLOWED, role=CLI_ROLE,
               object_type="api_key", object_id=row.id,
               detail={"role": row.role, "teams": sorted(team), "agent_id": agent,
                       "expires_at": _when(row.expires_at)})
        key_id, expires = row.id, _when(row.expires_at)
    typer.echo(key)
    err.print(f"API key {key_id} ({role}{', expires ' + expires if expires else ''}) created. "
              "It is shown only now: the store keeps its hash. Send it as "
              "`Authorization: Bearer <key>`.", highlight=False, markup=False)


@app.command("list")
def list_(output_format: Annotated[StoreFormat, typer.Option("--format")] = StoreFormat.TABLE,
          ) -> None:
    """Every key: id, name, role, teams, agent, created, expires, revoked, last used (never
    the secret)."""
    from api.security.keys import list_keys

    with store() as runtime, runtime.sessions() as session:
        rows: list[dict[str, Any]] = [{"id": k.id, "name": k.name, "role": k.role,
                 "teams": [t.team_id for t in k.teams], "agent_id": k.agent_id,
                 "created_at": _when(k.created_at), "expires_at": _when(k.expires_at),
                 "revoked_at": _when(k.revoked_at), "last_used_at": _when(k.last_used_at)}
                for k in list_keys(session)]
    if output_format is StoreFormat.JSON:
        _write(json.dumps(rows, indent=2))
        return
    if output_format is StoreFormat.CSV:
        import csv
        import io

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        writer.writerows({**r, "teams": ";".join(r["teams"])} for r in rows)
        _write(out.getvalue())
        return
    table = Table(title="API keys")
    for column in ("id", "name", "role", "teams", "agent", "created", "expires", "revoked",
                   "last used"):
        table.add_column(column)
    for r in rows:
        table.add_row(*(str(v) if v else "—" for v in (
            r["id"], r["name"], r["role"], ", ".join(r["teams"]), r["agent_id"],
            r["created_at"], r["expires_at"], r["revoked_at"], r["last_used_at"])))
    console = Console()
    if not console.is_terminal:
        console.width = 160
    console.print(table)


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(metavar="ID", help="the key's id")]) -> None:
    """Revoke a key: every server refuses it within IQS_KEY_CACHE_SECONDS (default 5 s)."""
    from api.security.audit import ALLOWED, CLI_ROLE, record
    from api.security.keys import revoke_key
    from api.store.db import transaction

    with store() as runtime, transaction(runtime.sessions) as session:
        row = revoke_key(session, key_id)
        record(session, action="cli keys revoke", outcome=ALLOWED, role=CLI_ROLE,
               object_type="api_key", object_id=row.id, detail={"role": row.role})
        when = _when(row.revoked_at)
    err.print(f"API key {key_id} revoked ({when}).", highlight=False, markup=False)

