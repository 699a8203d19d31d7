"""Tickets and their threads: status rules, assignment, snooze, merge, hand-off
between the AI and a teammate, replies and notes, mentions, notifications, bulk actions,
and the ephemeral presence (viewing, typing) on a ticket.
"""
