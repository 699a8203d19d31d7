"""SQL pieces both engines run the same way: seconds between two timestamps, percentiles."""
from sqlalchemy import Float, case, func, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class seconds_between(FunctionElement):
    """end - start in whole seconds (SQLite: julianday arithmetic, whose float loses a few
    microseconds; PostgreSQL: EXTRACT EPOCH)."""
    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"ROUND((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"ROUND(EXTRACT(EPOCH FROM ({end} - {start})))"


def percentiles(values_subquery, column: str = "secs", by: tuple[str, ...] = ()):
    """Count, median and 90th percentile (nearest rank) of a subquery's column: one row, or
    one row per combination of the `by` columns (named as in the subquery, first)."""
    value = values_subquery.c[column]
    part = [values_subquery.c[name] for name in by] or None
    ranked = select(*(values_subquery.c[name].label(name) for name in by), value.label("v"),
                    func.row_number().over(partition_by=part, order_by=value).label("rn"),
                    func.count().over(partition_by=part).label("n")).where(value.is_not(None)).subquery()
    keys = [ranked.c[name] for name in by]
    out = select(*keys, func.max(ranked.c.n).label("n"),
                 func.min(case((ranked.c.rn >= ranked.c.n * 0.5, ranked.c.v))).label("median"),
                 func.min(case((ranked.c.rn >= ranked.c.n * 0.9, ranked.c.v))).label("p90"))
    return out.group_by(*keys) if keys else out


def for_reports(session) -> None:
    """PostgreSQL: no JIT for the rest of this transaction. A report's statements cost enough
    for the planner to compile them (jit_above_cost), and compiling took longer (about 0.1 s
    of 0.5 s over 100,000 tickets, bench/reports.py) than it saved on queries this short."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
