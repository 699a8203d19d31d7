"""Notifications that reach people: each teammate's switches (prefs), the alerts written for
them (alerts), and the ones that go out by email, one by one and as a daily digest (mail).
The in-app list and badge are services/tickets/notifications.py; every notification written
there is pushed to the teammate's open pages (services/events.py, topic user:<id>)."""
