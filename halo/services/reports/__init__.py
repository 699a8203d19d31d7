"""Reports: how much work comes in, how fast the team answers and resolves, what waits.

Every figure is aggregated by the database (counts, medians and 90th percentiles by window
functions); Python only lays the rows out. Queries go through the ORM on Ticket, so an
agent's open access scope narrows them to the inboxes they see like every other list.
"""
