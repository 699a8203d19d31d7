"""Integration fixtures: whatever a test opened is closed after it, pass or fail."""
import pytest

from .chat_helpers import close_all


@pytest.fixture(autouse=True)
def _close_widgets():
    """A widget socket left open by a failed assertion would keep its server thread, and the
    run, alive; close them all here instead of only at the end of a test that passed."""
    yield
    close_all()
