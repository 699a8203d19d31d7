"""Planner hints for conditions whose selectivity the planner cannot know.

SQLite plans without statistics (Halo never runs ANALYZE): faced with a range on an indexed
column, it prefers that index and sorts what it found over an index that gives the page's
order by itself. PostgreSQL keeps statistics and needs no hint.
"""
from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class likely(FunctionElement):
    """A condition true for most of the rows it is checked on: SQLite's likely(), so the
    planner does not read an index by it; the condition unchanged on other engines."""
    type = Boolean()
    inherit_cache = True
    name = "likely"


@compiles(likely, "sqlite")
def _sqlite(element, compiler, **kw):
    return f"likely({compiler.process(element.clauses, **kw)})"


@compiles(likely)
def _other(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)
