"""Thin RQ entry points: ids in, one service call, inside an app context."""
