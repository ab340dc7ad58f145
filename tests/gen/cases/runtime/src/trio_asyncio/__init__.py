"""A runtime's own sources: its shims are checked against their contract."""
from ._loop import run_aio_coroutine
from ._right import run_aio_coroutine as run_aio_coroutine_right

__all__ = ["run_aio_coroutine", "run_aio_coroutine_right"]
