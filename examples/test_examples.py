"""Run every example as a program: it must exit 0 and print what it shows."""
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent

# Example file -> lines (substrings) its output must contain.
EXPECTED = {
    "demo.py": [
        "asyncio echo server listening on port",
        "Trio client sent b'hello' got b'HELLO\\n'",
        "Trio awaited asyncio.sleep(0.01) -> done",
        "asyncio (asyncio) got 42 from Trio",
        "asyncio side: got asyncio.CancelledError",
        "cancelled_caught = True",
        "loop closed cleanly: True",
    ],
    "readme_startup.py": ["result: hello, world"],
    "udp_echo.py": ["reply: b'HELLO'",
                    "transport: trioaio._core UDPTransport"],
    "readme_asyncio_main.py": [
        "classic from", "classic, module-level from", "modern from",
        "loop closed: True",
    ],
    "readme_stopping.py": [
        "asyncio task A was cancelled at loop exit",
        "task A cancelled: True",
        "stop() returned a trio.Event",
        "loop stopped, running: False",
    ],
    "readme_trio_from_asyncio.py": [
        "loop.run_trio(some_trio_code, 21) -> 42",
        "trio_as_aio(some_trio_code)(21) -> 42",
        "@aio2trio method: some_trio_code(9) -> 42",
        "@trio_as_aio function: modern_trio_code(43) -> 42",
        "run_trio from a callback -> 10",
        "run_trio_task: background Trio task ran",
    ],
    "readme_asyncio_from_trio.py": [
        "loop.run_asyncio(some_asyncio_code, 21) -> 420",
        "aio_as_trio(some_asyncio_code)(21) -> 420",
        "run_coroutine(ensure_future(...)) -> 420",
        "loop.run_coroutine(coroutine) -> 20",
        "run_aio_coroutine(coroutine) -> 40",
        "run_aio_future(future) -> 60",
        "@trio2aio method: some_asyncio_code(9) -> 42",
    ],
    "readme_multiple_loops.py": [
        "library A: ran on its own loop",
        "library B: ran on its own loop",
        "nested: the inner loop is current inside the inner block",
        "nested: the outer loop is current again",
        "autoclose: the fd was closed when the loop ended",
    ],
    "readme_errors_cancellation.py": [
        "rule 1: the Trio code was cancelled",
        "rule 2: its future ended cancelled: True",
        "rule 3: stopping the Trio caller cancelled the future: True",
        "rule 4: asyncio.CancelledError passed along unchanged",
        "errors: Trio caught ValueError('raised in asyncio')",
    ],
    "readme_deferred_calls.py": [
        "ran: call_soon\nran: call_at(now + 0.01)\nran: call_later(0.02)\n",
    ],
    "readme_threads.py": [
        "default executor: off the loop thread=True",
        "TrioExecutor(max_workers=2): 3 jobs, all off the loop thread=True",
        "call_soon_threadsafe: from a thread",
    ],
    "readme_file_descriptors.py": [
        "add_writer: socket was writable, data sent",
        "add_reader: received hello through add_writer",
    ],
    "readme_signals.py": ["signal handler ran for SIGUSR1"],
    "readme_sync_loop.py": [
        "sync loop: ",
        "loop.run_task(your_code, 21) -> 42",
        "loop.run_until_complete(some_asyncio_code(21)) -> 420",
        "stopped by loop.stop(); restarted: 40",
        "sync loop in a thread -> 20",
    ],
    "readme_keyword_args.py": [
        "asyncio greets Trio!", "asyncio greets Trio?",
        "run_trio_task with kwargs", "Trio greets asyncio!",
        "Trio greets asyncio?", "Trio greets asyncio~",
    ],
}


def test_every_example_is_listed():
    # examples/mixed_project/ is another project with its own tests.
    found = {p.name for p in HERE.glob("*.py") if p.name != "test_examples.py"}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name):
    proc = subprocess.run(
        [sys.executable, str(HERE / name)], capture_output=True, text=True,
        timeout=60, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert proc.returncode == 0, proc.stderr
    for line in EXPECTED[name]:
        assert line in proc.stdout, (line, proc.stdout, proc.stderr)
    # Examples must not spew warnings or tracebacks on a clean run.
    assert "Traceback" not in proc.stderr, proc.stderr
