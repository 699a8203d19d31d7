"""Service levels: business hours (when the team works); SLA clocks and CSAT build on them."""
