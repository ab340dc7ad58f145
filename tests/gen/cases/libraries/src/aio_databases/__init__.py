async def connect():
    pass
