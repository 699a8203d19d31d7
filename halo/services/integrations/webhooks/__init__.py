"""Outgoing webhooks, as the Standard Webhooks specification describes them.

- capture.py: session hooks that turn what a transaction wrote (a new ticket, a status,
  assignee or tags event line, a message, a customer made or changed) into event rows,
  one delivery per subscribed endpoint, in the same transaction (an outbox);
- endpoints.py: what admins manage: URLs, the events they want, their whsec_ secrets;
- delivery.py: the RQ job's work: one delivery at a time per ticket (or customer) and
  endpoint, in event order, signed, through netguard (checked address, no redirects,
  a deadline, a bounded answer), retried with backoff for a day, the endpoint disabled
  with a notice to admins when it keeps failing.
"""
