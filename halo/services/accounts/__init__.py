"""Teammates: accounts, roles, passwords, sign-in records, and alias identities.
"""
