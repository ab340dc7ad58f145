"""The package re-exports its fetch: no async code here, so check parses
this module only when resolving `shop.fetch` needs it."""

from .impl import fetch

__all__ = ["fetch"]
