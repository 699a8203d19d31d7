"""Customers: their profiles (name, email, language, traits), made, changed and merged."""
