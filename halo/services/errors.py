"""Errors services raise; views turn them into 400/403/404 responses with the reason."""


class HaloError(Exception):
    """Base class: the message is safe to show to the user."""
    status_code = 400


class ValidationError(HaloError):
    """Bad input: nothing was changed."""


class InvalidTransition(ValidationError):
    """A status change the rules do not allow from the ticket's current status."""


class NotFound(HaloError):
    status_code = 404


class Forbidden(HaloError):
    status_code = 403
