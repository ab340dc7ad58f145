class Store:
    def __init__(self, redis):
        self.redis = redis

    async def get(self, key):
        return await self.redis.get(key)


class Cache:
    def __init__(self, redis):
        self.redis = redis

    async def get(self, key):
        return await self.redis.get(key)
