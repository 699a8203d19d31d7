"""Access: who sees which tickets (inboxes, teams) and who may do what (roles).

- scope.py: the inboxes a teammate sees, and the session hook that narrows every query of
  tickets to them while a teammate's scope is open (a request, an agent socket, an API
  call); explicit checks (can_see_ticket, require_ticket) for what is reached by id.
- roles.py: what each role may do (reply to customers, work tickets, publish what the
  autonomous AI answers use, administer), checked by the services themselves.
- inboxes.py: inboxes, the inbox a new ticket starts in, moving a ticket to another inbox.
- teams.py: teams, their members and the inboxes they are given.
"""
