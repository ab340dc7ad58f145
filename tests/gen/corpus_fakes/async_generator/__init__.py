"""Stand-in for async_generator: its asynccontextmanager is contextlib's."""
from contextlib import asynccontextmanager  # noqa: F401
