"""``listwatch webhooks ...``: subscribe, inspect the outbox, and send what is due (e.g. from cron)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from listwatch.cli import AS_JSON, UsageProblem, emit_json, friendly, hooks_app, store

if TYPE_CHECKING:
    from listwatch.webhooks import Outcome

__all__ = ["webhooks_add", "webhooks_deliver", "webhooks_list", "webhooks_log", "webhooks_redeliver",
           "webhooks_remove", "webhooks_status"]


@hooks_app.command("add")
@click.argument("url")
@click.option("--list", "list_id", help="Only this list.")
@friendly
def webhooks_add(url: str, list_id: str | None) -> None:
    """Subscribe URL to the changes of every list (or --list L); prints the signing secret once."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    try:
        hook = webhooks.add(store(), url, list_id)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    print(f"webhook {hook.id}: {hook.url} ({hook.list_id or 'all lists'})")
    print(f"secret (keep it; verify X-Listwatch-Signature = sha256=HMAC-SHA256(secret, body)): {hook.secret}")


@hooks_app.command("list")
@AS_JSON
@friendly
def webhooks_list(as_json: bool) -> None:
    """The active webhooks, each with its deliveries pending, delivered and failed."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    st = store()
    counts = webhooks.status(st)
    hooks = [{"id": h.id, "url": h.url, "list": h.list_id, **counts.get(h.id, {})}
             for h in webhooks.subscriptions(st)]
    _show("webhooks", hooks, as_json, lambda h: f"{h['id']}\t{h['url']}\t{h['list'] or 'all lists'}\t"
          f"{h['pending']} pending\t{h['delivered']} delivered\t{h['failed']} failed")


@hooks_app.command("status")
@AS_JSON
@friendly
def webhooks_status(as_json: bool) -> None:
    """The outbox: deliveries not yet delivered (pending or failed), newest first, with their ids."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    rows = [{"id": e.id, "delivery": e.delivery_id, "webhook": e.webhook_id, "state": e.state,
             "attempts": e.attempts, "next_attempt_at": e.next_attempt_at.isoformat() if e.state == "pending" else None,
             "error": e.last_error} for e in webhooks.undelivered(store())]
    if not as_json:
        print(f"{sum(r['state'] == 'pending' for r in rows)} pending, "
              f"{sum(r['state'] == 'failed' for r in rows)} failed")
    _show("deliveries", rows, as_json, lambda r: f"{r['id']}\twebhook {r['webhook']}\t{r['state']}\t"
          f"{r['attempts']} attempts\t{r['next_attempt_at'] or '-'}\t{r['error'] or ''}")


def _show(key: str, rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        emit_json({key: rows})
        return
    for r in rows:
        print(line(r))


def _print_outcomes(outcomes: list[Outcome], as_json: bool) -> None:
    if as_json:
        emit_json({"attempts": [{"id": o.entry, "delivery": o.delivery_id, "webhook": o.webhook_id,
                                 "attempt": o.attempt, "state": o.state, "status": o.status, "error": o.error,
                                 "next_attempt_at": o.next_attempt_at.isoformat() if o.next_attempt_at else None}
                                for o in outcomes]})
        return
    for o in outcomes:
        then = f", next attempt at {o.next_attempt_at.isoformat()}" if o.next_attempt_at else ""
        print(f"delivery {o.entry} (webhook {o.webhook_id}) attempt {o.attempt}: {o.state}"
              f"{' - ' + o.error if o.error else ''}{then}")
    if not outcomes:
        print("nothing due")


@hooks_app.command("deliver")
@AS_JSON
@friendly
def webhooks_deliver(as_json: bool) -> None:
    """Try each delivery that is due once (for deployments without `listwatch serve`, e.g. from cron)."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    _print_outcomes(webhooks.deliver_due(store()), as_json)


@hooks_app.command("redeliver")
@click.option("--id", "entry", type=int, help="This delivery (an id from `webhooks status`).")
@click.option("--failed", is_flag=True, help="Every failed delivery.")
@AS_JSON
@friendly
def webhooks_redeliver(entry: int | None, failed: bool, as_json: bool) -> None:
    """Send a delivery again with a fresh count of attempts and the same delivery id, then try what is due."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    if (entry is None) == (not failed):
        raise UsageProblem("say which: --id ID or --failed")
    try:
        _print_outcomes(webhooks.redeliver(store(), entry, failed), as_json)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


@hooks_app.command("remove")
@click.argument("webhook_id", type=int)
@friendly
def webhooks_remove(webhook_id: int) -> None:
    """Stop delivering to a webhook (its delivery log is kept)."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    if not webhooks.remove(store(), webhook_id):
        raise UsageProblem(f"no webhook {webhook_id}")
    print(f"webhook {webhook_id} removed")


@hooks_app.command("log")
@click.argument("webhook_id", type=int, required=False)
@AS_JSON
@friendly
def webhooks_log(webhook_id: int | None, as_json: bool) -> None:
    """The delivery log (every attempt), newest first."""
    from listwatch import webhooks  # noqa: PLC0415 - the database layer, only when used

    rows = [{"webhook": d.webhook_id, "delivery": d.delivery_id, "attempt": d.attempt, "at": d.at.isoformat(),
             "events": d.events, "status": d.status, "error": d.error} for d in webhooks.log(store(), webhook_id)]
    _show("deliveries", rows, as_json, lambda r: f"{r['at']}\twebhook {r['webhook']}\tattempt {r['attempt']}\t"
          f"{r['events']} events\t{r['status'] or '-'}\t{r['error'] or 'ok'}")
