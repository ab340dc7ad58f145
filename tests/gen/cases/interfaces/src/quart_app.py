"""A Quart-Trio app runs its hooks and handlers in Trio; attributes the
module sets on its global app keep their types."""
import aioredis
from quart_trio import QuartTrio
from trio_asyncio import aio_as_trio

app = QuartTrio(__name__)


@app.before_serving
async def connect():
    app.redis = await aio_as_trio(aioredis.create_redis_pool)("redis://")


@app.after_serving
async def wrong_close():
    await app.redis.wait_closed()  # wrong: aioredis from a Trio hook


@app.route("/")
async def right_index():
    return await aio_as_trio(app.redis.get)("key")


@app.route("/other")
async def unknown_attribute():
    # Right: nothing in the module binds app.other, so it is unknown.
    return await app.other.get("key")
