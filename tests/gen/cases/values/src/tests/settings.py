"""A test configuration that hands the asyncio module around."""
import asyncio as _asyncio
import json


class Settings:
    def __init__(self):
        self.asyncio = _asyncio  # a module: `settings.asyncio.f` is asyncio.f
        self.codec = json
        self.timeout = 0.1
