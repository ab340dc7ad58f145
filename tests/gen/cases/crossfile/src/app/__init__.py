"""A package that re-exports an asyncio helper."""
from .aio.net import fetch as fetch_url
