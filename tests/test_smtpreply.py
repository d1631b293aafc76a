"""Classifying a mail server's refusal: only the buyer's own bad address is the buyer's; the rest is the sender's."""

from __future__ import annotations

import pytest

from wcrecall.mail.smtpreply import RECIPIENT, SENDER, TEMPORARY, classify


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (550, "5.1.1 <jane@example.com>: Recipient address rejected: User unknown in virtual mailbox table", RECIPIENT),
        (550, "5.1.1 The email account that you tried to reach does not exist.", RECIPIENT),
        (553, "5.1.3 Bad recipient address syntax", RECIPIENT),
        (550, "5.1.2 Host unknown (Name server: example.invalid: host not found)", RECIPIENT),
        (556, "5.1.10 Recipient address has null MX", RECIPIENT),
        (551, "5.1.6 User has moved", RECIPIENT),
        (550, "User unknown", RECIPIENT),
        (550, "No such user here", RECIPIENT),
        (550, "Requested action not taken: mailbox unavailable", RECIPIENT),
        (550, "5.1.0 <jane@example.com>: user unknown", RECIPIENT),
        # the sender, the account, the provider, the message: never the buyer
        (553, "5.1.7 Bad sender's mailbox address syntax", SENDER),
        (553, "5.1.8 Sender address rejected: Domain not found", SENDER),
        (550, "5.1.1 Sender address rejected: not owned by user", SENDER),
        (550, "5.1.0 Sender denied", SENDER),
        (554, "5.7.1 <jane@example.com>: Relay access denied", SENDER),
        (554, "Message rejected: Email address is not verified. The following identities failed the check", SENDER),
        (554, "Sending paused for this account", SENDER),
        (550, "5.4.5 Daily user sending quota exceeded.", SENDER),
        (550, "Daily sending quota exceeded", SENDER),
        (552, "5.2.2 Mailbox full", SENDER),
        (552, "5.3.4 Message size exceeds fixed maximum message size", SENDER),
        (554, "5.6.0 Message content rejected", SENDER),
        (550, "5.7.1 Message rejected as spam by Content Filtering", SENDER),
        (550, "5.7.26 Unauthenticated email is not accepted (DMARC)", SENDER),
        (554, "Transaction failed", SENDER),
        (550, "mailbox unavailable: sender blocked by policy", SENDER),
        (550, "", SENDER),
        (500, "Syntax error, command unrecognized", SENDER),
        # deferrals
        (450, "4.2.1 Mailbox busy", TEMPORARY),
        (451, "4.3.0 Temporary lookup failure", TEMPORARY),
        (421, "4.7.0 Try again later, closing connection", TEMPORARY),
        (550, "4.7.1 Greylisted, try again", TEMPORARY),
    ],
)
def test_refusals_are_classified_by_enhanced_code_then_text(code: int, text: str, expected: str) -> None:
    """5.1.1/5.1.2/5.1.3/5.1.6/5.1.10 or a plain "no such user" blame the address; sender, policy, quota, content
    and anything unclear do not; 4xx is temporary."""
    assert classify(code, text) == expected
