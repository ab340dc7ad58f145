"""Run the mixed project through the adapters trioaio-gen generated.

    trioaio-gen gen examples/mixed_project/mixed -o build/demo-adapters
    PYTHONPATH=build/demo-adapters:examples/mixed_project \\
        python examples/mixed_project/main.py

(`make gen-demo` does exactly this.)  The adapters are plain modules named
after the source modules: mixed.quotes -> mixed_quotes.
"""

import trio
import trioaio

import mixed_jobs
import mixed_quotes


async def asyncio_side() -> list:
    # asyncio code calling Trio code through the generated adapter.
    return await mixed_jobs.crunch([1, 2, 3], factor=10)


async def main() -> None:
    async with trioaio.open_loop():
        price = await mixed_quotes.fetch_quote("TRIO", scale=2.0)
        print("fetch_quote:", price)
        print("ticker:", [p async for p in mixed_quotes.ticker("AIO", 3)])
        async with mixed_quotes.session("demo") as s:
            print("session:", s)
        print("portfolio:", await mixed_quotes.Portfolio(TRIO=2).value())
        print("crunch:", await trioaio.aio_as_trio(asyncio_side)())


if __name__ == "__main__":
    trio.run(main)
