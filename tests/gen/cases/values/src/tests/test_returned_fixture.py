"""A fixture that returns a function it defines gives that function."""
import pytest


@pytest.mark.trio
async def test_wrong(execute):
    assert await execute("select 1") == "SELECT 1"  # TA001


@pytest.mark.trio
async def test_right(execute_trio):
    assert await execute_trio("select 1") == "SELECT 1"
