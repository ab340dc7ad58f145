"""Loop selection and entry points, under trio-asyncio's module name
(``trio_asyncio._loop``) for code that imports from there."""
from ._async import open_loop, run  # noqa: F401  (re-exported)
from ._policy import TrioPolicy  # noqa: F401
from ._state import current_loop  # noqa: F401
