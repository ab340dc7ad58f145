"""Stand-in for asyncpg.exceptions (triopg re-exports it)."""
__all__ = ("PostgresError",)


class PostgresError(Exception):
    pass
