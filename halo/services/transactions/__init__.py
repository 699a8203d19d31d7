"""How a request's transactions run: the session hooks every write triggers (installed by
create_app), SQLite's one writer at a time, the rows a request keeps loaded across its
commits, and the reads after its last commit."""
