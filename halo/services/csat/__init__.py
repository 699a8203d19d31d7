"""Customer satisfaction (CSAT): a survey on resolve, one answer per ticket.

- surveys.py: the switch (Settings > Satisfaction), the session hooks that offer a survey
  when a teammate resolves a ticket, recording an answer (an event line, a webhook), the
  chat widget's view of it;
- tokens.py: the signed, expiring links of the survey email;
- mail.py: the survey email, sent by a job through the outbound mail path, once.

Reports read the answers in services/reports/csat.py.
"""
