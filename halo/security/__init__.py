"""Web security glue: where a browser may be sent next, and the headers and cookies every
response carries. Sign-in rules (throttling, two-factor, reset) live in services.accounts."""
