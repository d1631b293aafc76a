"""A buyer's history as the planner reads it: when each buyer was mailed, what each recipient domain got in the last
hour, and the recent failed orders per checkout IP and per email (card-testing bursts).

Built once per tick from the recalls in the state (`History.of`), then kept current as the tick opens recalls and
sends. Keys are the keyed hashes the state keeps (no addresses); domains are the masked address's domain. Plain data:
no I/O, no clock (every question takes `now`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wcrecall.model.records import CLAIMED, HELD_OUT, SENT, UNCERTAIN, Recall, from_iso
from wcrecall.plan.holdout import PAID_WITHIN

CONTACT_STATES = (SENT, UNCERTAIN, CLAIMED)  # a claimed step may have reached the buyer: it counts as a contact


def recipient_domain(recall: Recall) -> str:
    """The domain a recall's emails go to (the masked address keeps it whole)."""
    return recall.email_masked.rpartition("@")[2].lower()


@dataclass
class History:
    contacts: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))  # email hash -> times
    domain_sends: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))  # domain -> times
    failures_by_ip: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    failures_by_email: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    by_email: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # open (or held-out) recalls
    by_customer: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # by email hash, by customer

    @classmethod
    def of(cls, recalls: Iterable[Recall], *, now: datetime, failures_since: datetime) -> History:
        """The history a tick starts from: the open recalls indexed by buyer, then `add`."""
        recalls = list(recalls)
        history = cls()
        for recall in recalls:
            if recall.is_open:
                history.index(recall)
        history.add(recalls, now=now, failures_since=failures_since)
        return history

    def add(self, recalls: Iterable[Recall], *, now: datetime, failures_since: datetime) -> None:
        """The contacts of these recalls (sent, uncertain and claimed steps), their sends of the hour before `now` by
        recipient domain, and the failures (their orders' creation) after `failures_since` by IP and by email. Held-out
        recalls still waiting for a payment are indexed by buyer like open ones."""
        hour_ago = now - timedelta(hours=1)
        for recall in recalls:
            for step in recall.steps:
                if step.state in CONTACT_STATES and (when := from_iso(step.at)) is not None:
                    self.contacts[recall.email_hash].append(when)
                    if when > hour_ago:
                        self.domain_sends[recipient_domain(recall)].append(when)
            created = from_iso(recall.created)
            if created is not None and created > failures_since:
                self.failed(recall, created)
            watched = recall.outcome == HELD_OUT and not recall.paid_at
            if watched and created is not None and created > now - PAID_WITHIN:
                self.index(recall)  # its buyer's payment of a newer order still counts (plan/holdout.py)

    def index(self, recall: Recall) -> None:
        """An open recall, found again by its buyer's email hash or customer id."""
        self.by_email[recall.email_hash].add(recall.id)
        if recall.customer_id > 0:
            self.by_customer[recall.customer_id].add(recall.id)

    def buyer_recalls(self, email_hash: str, customer_id: int) -> set[int]:
        """Ids of the open (and unpaid held-out) recalls of one buyer (same email hash, or same registered customer)."""
        ids = set(self.by_email.get(email_hash, ())) if email_hash else set()
        if customer_id > 0:
            ids |= self.by_customer.get(customer_id, set())
        return ids

    def sibling(self, recall: Recall, recalls: Mapping[int, Recall]) -> Recall | None:
        """The open recall of the same buyer and cart (a retried checkout), if any."""
        if not recall.group:
            return None
        for rid in self.by_email.get(recall.email_hash, ()):
            other = recalls.get(rid)
            if other is not None and other.id != recall.id and other.group == recall.group and other.is_open:
                return other
        return None

    def failed(self, recall: Recall, when: datetime) -> None:
        """A failed order of this buyer at `when` (its creation)."""
        if recall.ip_hash:
            self.failures_by_ip[recall.ip_hash].append(when)
        if recall.email_hash:
            self.failures_by_email[recall.email_hash].append(when)

    def mailed(self, recall: Recall, when: datetime) -> None:
        """An email of this recall went out (or may have) at `when`."""
        self.contacts[recall.email_hash].append(when)
        self.domain_sends[recipient_domain(recall)].append(when)

    def contacts_of(self, email_hash: str) -> list[datetime]:
        return sorted(self.contacts.get(email_hash, ()))

    def domain_sends_since(self, domain: str, since: datetime) -> int:
        return sum(1 for t in self.domain_sends.get(domain, ()) if t > since)

    def failures(self, recall: Recall) -> list[tuple[str, list[datetime]]]:
        """The failure times that may make a burst for this recall's buyer: ("IP address", ...) when the checkout IP
        is known, then ("email", ...)."""
        found = []
        if recall.ip_hash:
            found.append(("IP address", list(self.failures_by_ip.get(recall.ip_hash, ()))))
        found.append(("email", list(self.failures_by_email.get(recall.email_hash, ()))))
        return found
