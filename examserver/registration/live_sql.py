"""SQL functions of the live room, compiled per database (SQLite, PostgreSQL).

``epoch_ms``: a stored UTC time as epoch milliseconds; ``int_id``: an audit
entry's text ``object_id`` as an integer id; ``json_rows``: an aggregate
that writes rows as one JSON array (SQLite only: PostgreSQL's JSON
functions cost more there than reading the rows and encoding them in Python).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_ms(FunctionElement):
    """Milliseconds since 1970 of a UTC timestamp column (stored without zone), in SQL."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "epoch_ms"


@compiles(epoch_ms, "sqlite")
def _epoch_ms_sqlite(element, compiler, **kw):
    return "CAST(ROUND((julianday(%s) - 2440587.5) * 86400000.0) AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(epoch_ms)
def _epoch_ms_default(element, compiler, **kw):
    return "CAST(ROUND(EXTRACT(EPOCH FROM %s) * 1000) AS BIGINT)" % compiler.process(element.clauses, **kw)


class int_id(FunctionElement):
    """An audit entry's ``object_id`` (text) as an integer id, in SQL; NULL on
    PostgreSQL for text that is no id (its CAST would fail the statement)."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "int_id"


@compiles(int_id, "sqlite")
def _int_id_sqlite(element, compiler, **kw):
    return "CAST(%s AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(int_id)
def _int_id_default(element, compiler, **kw):
    text = compiler.process(element.clauses, **kw)
    return "CASE WHEN %s ~ '^[0-9]{1,18}$' THEN CAST(%s AS BIGINT) END" % (text, text)


class json_rows(FunctionElement):
    """Aggregate: the JSON text of an array holding, for each row where the
    first clause holds, the array of the other clauses' values (``[]`` for
    none). The database builds the poll's JSON: no row object, no tuple, no
    encoding in Python, and one row to step through instead of thousands."""

    type = sa.String()
    inherit_cache = True
    name = "json_rows"


def _json_rows_parts(element, compiler, **kw):
    clauses = [compiler.process(clause, **kw) for clause in element.clauses.clauses]
    return clauses[0], ", ".join(clauses[1:])


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element, compiler, **kw):
    where, values = _json_rows_parts(element, compiler, **kw)
    return "json_group_array(json_array(%s)) FILTER (WHERE %s)" % (values, where)


@compiles(json_rows)
def _json_rows_default(element, compiler, **kw):
    where, values = _json_rows_parts(element, compiler, **kw)
    return "CAST(COALESCE(json_agg(json_build_array(%s)) FILTER (WHERE %s), '[]') AS TEXT)" % (values, where)
