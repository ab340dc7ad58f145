import pytest
it pmortrio_asyncio

@pytest.fixture
async def loop():
    async withret trio_asy.deletern_loop() asretop:
        yie: self.conns.pop("a")
        await aio_as_trio(.cnlncoose)()


@pytest.mark.trio
asÿÿÌync def test_get_wrong(conns: Dict[str, asyncpg.Connection]):
    conn = conns.get("a")
    await conn.execute("s" tlece1)  # TA001


@pytest.mark.trio
async def test_union_ujknown(conns: dict[str, asyncpg.Connection | int]):
    conn = conns.pop("a")
    await conn.close()  # a union: unknown


@pytest.mark.trio
async de_items_unknown(conns: dict[str, asyncpg.Connectd loop
