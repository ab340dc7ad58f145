"""The cache's pack file from outside (codegen/cache.c, codegen/codec.c):
packs whose checksum is right but whose content is not what this build
writes (another format version or build, counts that the bytes cannot
hold, truncated or trailing entries, duplicates, malformed per-file facts)
are never trusted, the run's output stays the cold run's, and the pack is
rewritten; a pack that cannot be written is one warning.

The tests read and write packs with a Python model of the layout
documented in cache.c, whose checksum is checked against the binary's
own packs first (test_model_round_trips_the_binarys_pack)."""

import os
import re
import resource
import signal
import struct
import subprocess
import time

import pytest

from conftest import ROOT, gen_binary, run_gen
from test_cache import STATS, age, stats

VERSION = int(re.search(r"#define GEN_CODEC_VERSION (\d+)",
                        (ROOT / "codegen" / "codec.h").read_text()).group(1))
M64 = (1 << 64) - 1
K = (0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3,
     0x589965cc75374cc3, 0x1d8e4e27c47d124f, 0x9e3779b97f4a7c15)


def _mix(a, b):
    r = (a & M64) * (b & M64)
    return (r & M64) ^ (r >> 64)


def digest(data):
    """gen_digest() of cache.c: (lo, hi)."""
    n = len(data)
    a = K[0] ^ n
    b = K[3] ^ ((n * K[5]) & M64)
    p = 0
    while n - p >= 16:
        x, y = struct.unpack_from("<QQ", data, p)
        a = _mix(x ^ K[1], y ^ a)
        b = _mix(y ^ K[4], x ^ b ^ K[2])
        p += 16
    tail = bytearray(16)
    tail[:n - p] = data[p:]
    tail[15] ^= (n - p + 1) & 0xff
    t0, t1 = struct.unpack("<QQ", bytes(tail))
    a = _mix(t0 ^ K[1], t1 ^ a)
    b = _mix(t1 ^ K[4], t0 ^ b ^ K[2])
    return _mix(a ^ K[5], b ^ K[0]), _mix(b ^ K[2], a ^ K[3])


class Pack:
    """magic, version, build id, generation, records (path, 7 stat
    fields, key), entries (key, text length, generation, payload),
    checksum."""

    def __init__(self, data):
        assert data[:4] == b"TAGP"
        assert struct.unpack("<Q", data[-8:])[0] == digest(data[:-8])[0]
        p = 4
        self.version, idlen = struct.unpack_from("<II", data, p)
        p += 8
        self.build_id = data[p:p + idlen]
        p += idlen
        self.gen, nrec, nent = struct.unpack_from("<III", data, p)
        p += 12
        self.records = []
        for _ in range(nrec):
            (plen,) = struct.unpack_from("<I", data, p)
            path = data[p + 4:p + 4 + plen]
            p += 4 + plen
            st = list(struct.unpack_from("<7Q", data, p))
            key = struct.unpack_from("<QQ", data, p + 56)
            p += 72
            self.records.append([path, st, key])
        self.entries = []
        for _ in range(nent):
            lo, hi, textlen, egen, plen = struct.unpack_from("<QQQII", data, p)
            p += 32
            self.entries.append([(lo, hi), textlen, egen, data[p:p + plen]])
            p += plen
        assert p == len(data) - 8
        self.trailer = b""

    def encode(self, nrec=None, nent=None):
        out = bytearray(b"TAGP")
        out += struct.pack("<II", self.version, len(self.build_id))
        out += self.build_id
        out += struct.pack("<III", self.gen,
                           len(self.records) if nrec is None else nrec,
                           len(self.entries) if nent is None else nent)
        for path, st, key in self.records:
            out += struct.pack("<I", len(path)) + path
            out += struct.pack("<7Q", *st) + struct.pack("<QQ", *key)
        for key, textlen, egen, payload in self.entries:
            out += struct.pack("<QQQII", key[0], key[1], textlen, egen,
                               len(payload)) + payload
        out += self.trailer
        return bytes(out) + struct.pack("<Q", digest(bytes(out))[0])


A = "import trio\n\n\nasync def a():\n    await trio.sleep(0)\n"
B = "import asyncio\n\n\nasync def b():\n    await asyncio.sleep(0)\n"


def project(tmp_path):
    """Two files, a.py old enough for the stat() shortcut, b.py not."""
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "a.py").write_text(A)
    age(tree)
    (tree / "b.py").write_text(B)
    return tree, tmp_path / "cache"


def check(tree, cache, **kw):
    proc = run_gen("check", "--exit-zero", "-v", "--cache-dir", cache, tree,
                   **kw)
    assert proc.returncode == 0, proc.stderr
    return proc


def fill(tmp_path):
    tree, cache = project(tmp_path)
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    first = check(tree, cache)
    path = stats(first)["pack"]
    with open(path, "rb") as f:
        pack = Pack(f.read())
    return tree, cache, cold, path, pack


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def test_model_round_trips_the_binarys_pack(tmp_path):
    tree, cache, cold, path, pack = fill(tmp_path)
    with open(path, "rb") as f:
        data = f.read()
    assert pack.encode() == data
    assert pack.version == VERSION
    assert pack.build_id.decode() in path
    # a.py is remembered by its stat(), b.py (just written) is not.
    assert [r[0] for r in pack.records] == [str(tree / "a.py").encode()]
    assert sorted(e[1] for e in pack.entries) == sorted([len(A), len(B)])
    assert pack.records[0][2] == digest(A.encode())
    assert pack.records[0][1][2] == len(A)  # the size


def foreign(pack, how):
    if how == "version":
        pack.version += 1
    elif how == "build":
        pack.build_id = b"0" * len(pack.build_id)
    elif how == "short-build":
        pack.build_id = pack.build_id[:-1]
    elif how == "records-count":
        return pack.encode(nrec=1 << 30)
    elif how == "entries-count":
        return pack.encode(nent=len(pack.entries) + 1)
    elif how == "trailing":
        pack.trailer = b"\0" * 40
    elif how == "cut-entry":
        data = pack.encode()[:-8 - 3]
        return data + struct.pack("<Q", digest(data)[0])
    elif how == "cut-header":
        # Up to the generation: no room for the counts.
        data = pack.encode()[:4 + 8 + len(pack.build_id) + 4]
        return data + struct.pack("<Q", digest(data)[0])
    return pack.encode()


@pytest.mark.parametrize("how", ["version", "build", "short-build",
                                 "records-count", "entries-count",
                                 "trailing", "cut-entry", "cut-header"])
def test_foreign_pack_with_a_good_checksum_is_ignored(tmp_path, how):
    tree, cache, cold, path, pack = fill(tmp_path)
    write(path, foreign(pack, how))
    proc = check(tree, cache)
    assert proc.stdout == cold.stdout
    assert stats(proc) == dict(stats(proc), hits=0, unread=0, parsed=2,
                               written=True)
    with open(path, "rb") as f:
        again = Pack(f.read())
    assert again.version == VERSION and again.gen == 1
    assert stats(check(tree, cache))["parsed"] == 0


@pytest.mark.parametrize("path", [b"", b"a\0b"])
def test_record_with_a_bad_path_is_dropped(tmp_path, path):
    """The last record's path is empty or has a NUL: the records end
    there, and a.py is found by its content instead of its stat()."""
    tree, cache, cold, pack_path, pack = fill(tmp_path)
    pack.records[0][0] = path
    write(pack_path, pack.encode())
    proc = check(tree, cache)
    assert proc.stdout == cold.stdout
    assert stats(proc) == dict(stats(proc), hits=2, unread=0, parsed=0,
                               written=True)
    assert stats(check(tree, cache))["unread"] == 1


def test_duplicate_records_and_entries_keep_the_first(tmp_path):
    tree, cache, cold, path, pack = fill(tmp_path)
    pack.records.append(list(pack.records[0]))
    pack.entries += [list(e) for e in pack.entries]
    write(path, pack.encode())
    proc = check(tree, cache)
    assert proc.stdout == cold.stdout
    assert stats(proc) == dict(stats(proc), hits=2, unread=1, parsed=0)


def test_entry_of_another_length_is_not_used(tmp_path):
    """An entry whose key is the text's but whose length is not (a key
    collision, forged here) is never served nor replaced: the file is
    parsed on every run."""
    tree, cache, cold, path, pack = fill(tmp_path)
    key_a = digest(A.encode())
    for e in pack.entries:
        if e[0] == key_a:
            e[1] += 1
    write(path, pack.encode())
    for _ in range(2):
        proc = check(tree, cache)
        assert proc.stdout == cold.stdout
        assert stats(proc)["parsed"] == 1 and stats(proc)["hits"] == 1


def test_entries_no_run_used_for_32_writes_are_dropped(tmp_path):
    tree, cache, cold, path, pack = fill(tmp_path)
    gone = digest(b"# an old text\n")
    recent = digest(b"# a newer text\n")
    payload = pack.entries[0][3]
    pack.gen = 40  # this run's is 41: it keeps generations 9 on
    pack.entries.append([gone, 14, 41 - 32 - 1, payload])
    pack.entries.append([recent, 15, 41 - 32, payload])
    pack.records.append([str(tree / "old.py").encode(),
                         list(pack.records[0][1]), gone])
    write(path, pack.encode())
    (tree / "b.py").write_text(B + "\n")  # something to write
    proc = check(tree, cache)
    assert proc.stdout == cold.stdout and stats(proc)["written"]
    with open(path, "rb") as f:
        after = Pack(f.read())
    keys = [e[0] for e in after.entries]
    assert gone not in keys and recent in keys
    assert after.gen == 41
    assert [r[0] for r in after.records] == [str(tree / "a.py").encode()]


def uleb(v):
    out = bytearray()
    while True:
        byte = v & 0x7f
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def s(text):
    return b"\0" if text is None else uleb(len(text) + 1) + text


def facts(nbytes, imports=b"\0", funcs=b"\0", noqa=b"\0", calls=b"\0",
          ctors=b"\0", head=None, loader=b"\0\0\0"):
    """One file's facts as codec.c encodes them: syntax error, its line
    and column, size, pragma domain and line, then the five arrays, and
    what the loader knows of it: dormant (not parsed), woken (parsed only
    for its definitions) and the hashes of its capitalised words."""
    head = head if head is not None else b"\0\0\0" + uleb(nbytes) + b"\0\0"
    return head + imports + funcs + noqa + calls + ctors + loader


# An empty file has nothing to check: it is not parsed (load.c), and its
# facts say so.
DORMANT = b"\1\0\0"


def func(name=b"f", events=b"\0"):
    """An async function (flags 1) at line 1."""
    return (s(name) + s(name) + b"\1\0\0\1" + b"\0" + events + b"\0\0" +
            s(None) + s(None))


BAD_FACTS = {
    "trailing byte": facts(0) + b"\0",
    "endless number": b"\x80" * 11,
    "number over its bound": facts(0, head=b"\2\0\0\0\0\0"),
    "nul in a string": facts(0, imports=b"\1" + s(b"a\0b") + s(b"m") +
                             s(None) + b"\0"),
    "import without a name": facts(0, imports=b"\1" + s(None) + s(b"m") +
                                   s(None) + b"\0"),
    "function without a name": facts(0, funcs=b"\1" + func(name=None)),
    "event in no region": facts(0, funcs=b"\1" + func(
        events=b"\1" + s(b"trio.sleep") + s(None) + b"\5\4\0\0\0\3")),
    "call in no region": facts(0, calls=b"\1" + s(b"trio.run") + s(b"main") +
                               b"\1\0\0\3"),
    "call without an argument": facts(0, calls=b"\1" + s(b"trio.run") +
                                      s(None) + b"\1\0\0\0"),
    "constructor argument unnamed": facts(0, ctors=b"\1" + s(b"C") +
                                          s(None) + b"\1\0\1"),
    "dormant and woken": facts(0, loader=b"\1\1\0"),
    "dormant with a model": facts(0, funcs=b"\1" + func(), loader=DORMANT),
    "words out of order": facts(0, loader=b"\1\0\2\5\3"),
    "word twice": facts(0, loader=b"\1\0\2\5\5"),
}


def test_good_facts_template_decodes(tmp_path):
    """The template BAD_FACTS damages is itself good: an empty file's
    facts (dormant: nothing in it to parse), served from the cache."""
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "empty.py").write_text("")
    age(tree)
    cache = tmp_path / "cache"
    check(tree, cache)
    path = stats(check(tree, cache))["pack"]
    with open(path, "rb") as f:
        pack = Pack(f.read())
    assert [e[3] for e in pack.entries] == [facts(0, loader=DORMANT)]
    pack.entries[0][3] = facts(
        0, imports=b"\1" + s(b"trio") + s(b"trio") + s(None) + b"\0",
        funcs=b"\1" + func(b"g"),
        calls=b"\1" + s(b"trio.run") + s(b"g") + b"\1\0\0\0")
    write(path, pack.encode())
    # Forged facts are believed (that is what a cache is): `import trio`,
    # an async g, `trio.run(g)` at module level, all on line 1.
    proc = run_gen("explain", "--cache-dir", cache, tree / "empty.py")
    assert proc.stdout.splitlines()[:2] == [
        f"{tree / 'empty.py'}:1: `g` is Trio",
        f"  * strong Trio          runner: handed to `trio.run` at "
        f"{tree / 'empty.py'}:1"], proc.stdout


@pytest.mark.parametrize("damage", sorted(BAD_FACTS))
def test_malformed_facts_are_parsed_again(tmp_path, damage):
    """Entries whose facts do not decode (a pack from a buggy build with
    the same id): neither the stat() shortcut (a.py) nor the lookup by
    content (b.py) serves them; both files are parsed and their entries
    replaced."""
    tree, cache, cold, path, pack = fill(tmp_path)
    for e in pack.entries:
        e[3] = BAD_FACTS[damage]
    write(path, pack.encode())
    proc = check(tree, cache)
    assert proc.stdout == cold.stdout
    assert stats(proc) == dict(stats(proc), hits=0, unread=0, parsed=2,
                               written=True)
    with open(path, "rb") as f:
        assert all(e[3] != BAD_FACTS[damage] for e in Pack(f.read()).entries)
    warm = check(tree, cache)
    assert stats(warm)["parsed"] == 0 and warm.stdout == cold.stdout


def test_pack_that_is_a_directory_warns(tmp_path):
    tree, cache, cold, path, pack = fill(tmp_path)
    os.unlink(path)
    os.mkdir(path)
    (tmp_path / "cache").joinpath(os.path.relpath(path, cache), "x").touch()
    (tree / "b.py").write_text(B + "\n")
    proc = run_gen("check", "--exit-zero", "-v", "--cache-dir", cache, tree)
    assert proc.returncode == 0
    cold = run_gen("check", "--exit-zero", "--no-cache", tree)
    assert proc.stdout == cold.stdout
    assert f"cannot write the cache {path} (" in proc.stderr
    assert "--no-cache runs without it" in proc.stderr
    assert not STATS.search(proc.stderr).group(5)
    leftovers = [p for p in cache.rglob(".pack-*")]
    assert leftovers == []


def _small_files():
    # The limit is above the coverage counters' files (gcov writes them
    # at exit) and below the pack.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))


def run_with(preexec, *args):
    return subprocess.run([gen_binary(), *map(str, args)],
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=preexec)


def big_project(tmp_path):
    tree = tmp_path / "proj"
    tree.mkdir()
    for i in range(40):
        (tree / f"m{i}.py").write_text("import trio\n" + "".join(
            f"\n\nasync def function_{i}_{j}():\n    await trio.sleep({j})\n"
            for j in range(30)))
    return tree, tmp_path / "cache"


def test_full_disk_warns_and_leaves_no_partial_pack(tmp_path):
    """Writes that stop short (here a file size limit, as on a full
    disk): one warning, the old pack stays whole, no temporary file."""
    tree, cache = big_project(tmp_path)
    path = stats(check(tree, cache))["pack"]
    with open(path, "rb") as f:
        before = f.read()
    assert len(before) > 32768
    (tree / "m0.py").write_text("import trio\n")
    proc = run_with(_small_files, "check", "--exit-zero", "-v",
                    "--cache-dir", cache, tree)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == run_gen("check", "--exit-zero", "--no-cache",
                                  tree).stdout
    assert f"cannot write the cache {path} (" in proc.stderr
    assert "File too large" in proc.stderr
    with open(path, "rb") as f:
        assert f.read() == before
    assert [p for p in cache.rglob(".pack-*")] == []


def test_stale_temporary_file_warns_and_stays(tmp_path):
    """A temporary pack of this process's name already there (left by a
    crashed run whose pid this one reuses): it is not overwritten, the
    run warns and its output is unchanged."""
    tree, cache, cold, path, pack = fill(tmp_path)
    (tree / "b.py").write_text(B + "\n")
    facts_dir = os.path.dirname(path)

    def stale():
        now = int(time.time())
        for t in range(now - 2, now + 60):
            with open(f"{facts_dir}/.pack-{os.getpid()}-{t}", "w") as f:
                f.write("stale")

    proc = run_with(stale, "check", "--exit-zero", "-v", "--cache-dir",
                    cache, tree)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == run_gen("check", "--exit-zero", "--no-cache",
                                  tree).stdout
    assert f"cannot write the cache {path} (File exists)" in proc.stderr
    assert all(p.read_text() == "stale" for p in cache.rglob(".pack-*"))


def test_not_a_regular_file_is_refused_and_not_remembered(tmp_path):
    # A device is no source (a FIFO would block the run): refused, and
    # the regular file beside it is checked and remembered alone.
    tree, cache = project(tmp_path)
    for _ in range(2):
        proc = run_gen("check", "-v", "--exit-zero", "--cache-dir", cache,
                       tree / "a.py", "/dev/null")
        assert proc.returncode == 2 and proc.stdout == ""
        assert "/dev/null: a character device, not a source file" in \
            proc.stderr
    assert stats(proc)["unread"] == 1
    with open(stats(proc)["pack"], "rb") as f:
        assert [r[0] for r in Pack(f.read()).records] == \
            [str(tree / "a.py").encode()]


def test_deleted_file_is_not_reported_and_its_facts_are_kept(tmp_path):
    """A file the pack remembers that is gone: the run is the cold run
    of what is left; its facts stay (for 32 writes), so restoring it
    needs no parse."""
    tree, cache, cold, path, pack = fill(tmp_path)
    (tree / "a.py").unlink()
    (tree / "c.py").write_text(B.replace("def b", "def c"))
    proc = check(tree, cache)
    assert proc.stdout == run_gen("check", "--exit-zero", "--no-cache",
                                  tree).stdout
    assert "a.py" not in proc.stdout + proc.stderr.replace(path, "")
    with open(path, "rb") as f:
        after = Pack(f.read())
    assert digest(A.encode()) in [e[0] for e in after.entries]
    (tree / "a.py").write_text(A)
    restored = check(tree, cache)
    assert restored.stdout == run_gen("check", "--exit-zero", "--no-cache",
                                      tree).stdout
    assert stats(restored)["parsed"] == 0
