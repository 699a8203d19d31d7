"""Domain rules. The only code that commits, enqueues jobs and publishes events."""
