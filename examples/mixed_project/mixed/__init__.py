"""A small project with an asyncio half and a Trio half."""
