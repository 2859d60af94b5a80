"""Events stage: coreference inside one article, and denials linked to what they deny.

Issue 4: the same event told twice in an article becomes one (the most precise
compatible date wins); "X membantah tuduhan itu" is a denied claim about the accusation
reported before it, attached to that same event, not a new event.
"""
from __future__ import annotations

from dataclasses import replace

from kg.model import Claim, Event


def _within(inner: Event, outer: Event) -> bool:
    a, b = inner.date, outer.date
    return (a is not None and b is not None and a.edtf != b.edtf
            and b.earliest <= a.earliest and a.latest <= b.latest)


def corefer_in_article(events: list[Event]) -> list[Event]:
    """Give an imprecise event (`awal November 2020`) the date of the one more precise
    event of the same type in the article that its date contains (`9 November 2020`).

    Only a unique candidate is taken: two compatible precise dates leave it alone.
    """
    out = []
    for e in events:
        if e.date is None or e.status != "asserted" or e.date.precision == "day":
            out.append(e)
            continue
        finer = {c.date.edtf: c for c in events
                 if c.etype == e.etype and c.status == "asserted" and _within(c, e)}
        if len(finer) == 1:
            target = next(iter(finer.values()))
            reason = f"{e.date.reason}; same {e.etype} as the one dated {target.date.edtf} in this article"
            out.append(replace(e, date=replace(target.date, reason=reason)))
        else:
            out.append(e)
    return out


def link_denial(new: list[Event], earlier: list[Event], claim: Claim | None) -> list[Event]:
    """Events of a sentence whose claim is a denial: an undated one takes the identity
    (type and date) of the latest earlier event of its type, so the denial becomes a
    `denied` attestation of that event."""
    if claim is None or claim.polarity != "denied":
        return new
    out = []
    for e in new:
        prior = [p for p in earlier if p.etype == e.etype and p.date is not None and p.status == "asserted"]
        if e.date is None and prior:
            out.append(replace(e, date=prior[-1].date, claim=claim))
        else:
            out.append(replace(e, claim=claim))
    return out
