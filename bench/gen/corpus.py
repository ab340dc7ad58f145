#!/usr/bin/env python3
"""Materialise the real-code evaluation corpus (bench/gen/corpus.toml).

    python bench/gen/corpus.py fetch [--dest DIR] [--only NAME,...]
    python bench/gen/corpus.py list

DIR defaults to $TRIOAIO_CORPUS, else build/corpus.  Each project becomes
DIR/<name>/ holding only the files the manifest lists (the .py/.pyi files
under `paths`, the `__init__` files of the packages around them, and the
`config` files that exist) and a `.corpus.json`
stamp recording where they came from.  A project whose stamp already
matches the manifest is left alone.

Where the files come from, in this order:

* git projects: a local mirror, $TRIOAIO_CORPUS_MIRROR/<owner>+<name>/repo
  (default mirror root /work/.mirror, where the development machines keep
  fetched repositories), else a bare clone into DIR/.git-cache/ from
  $TRIOAIO_CORPUS_GIT_BASE/<owner>/<name> (default the public GitHub
  address).  The commit must be present; files are read with
  `git cat-file`, so a repository whose large binaries are missing from the
  mirror still works.
* pypi projects: `pip download --no-deps --no-binary :all:` of the pinned
  sdist, whose sha256 must match the manifest.

A project that cannot be had is skipped with the reason; the command exits
0 if at least one project is present afterwards, 1 otherwise.  Nothing is
executed from the fetched code.
"""

import argparse
import hashlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MANIFEST = HERE / "corpus.toml"
STAMP = ".corpus.json"
SOURCE_SUFFIXES = (".py", ".pyi")


class CorpusError(Exception):
    """A project that cannot be materialised; the message says why."""


def default_dest():
    return pathlib.Path(os.environ.get("TRIOAIO_CORPUS")
                        or ROOT / "build" / "corpus")


def load_manifest(path=MANIFEST):
    """The manifest's projects, checked for the keys each source needs."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    projects = data.get("project")
    if not isinstance(projects, list) or not projects:
        raise SystemExit(f"{path}: no [[project]] tables")
    need = {"git": ("repository", "commit"),
            "pypi": ("package", "version", "sha256")}
    seen = set()
    for p in projects:
        name = p.get("name")
        if not name or "/" in name or name.startswith("."):
            raise SystemExit(f"{path}: a project needs a plain `name`, "
                             f"got {name!r}")
        if name in seen:
            raise SystemExit(f"{path}: project {name!r} is listed twice")
        seen.add(name)
        src = p.get("source")
        if src not in need:
            raise SystemExit(f"{path}: project {name!r}: `source` must be "
                             f"\"git\" or \"pypi\", got {src!r}")
        for key in need[src] + ("paths",):
            if not p.get(key):
                raise SystemExit(f"{path}: project {name!r} lacks `{key}`")
        p.setdefault("config", [])
    return projects


def revision(project):
    """What identifies the project's content: commit, or package+hash."""
    if project["source"] == "git":
        return f"{project['repository']}@{project['commit']}"
    return (f"{project['package']}=={project['version']}"
            f" sha256:{project['sha256']}")


# Bumped when the choice of files changes, so that older copies are
# fetched again (2: the __init__ files of the packages around `paths`).
LAYOUT = 2


def stamp_of(project):
    return {"name": project["name"], "revision": revision(project),
            "paths": project["paths"], "config": project["config"],
            "layout": LAYOUT}


def is_current(project, dest):
    try:
        with open(dest / project["name"] / STAMP) as f:
            return json.load(f) == stamp_of(project)
    except (OSError, ValueError):
        return False


def wanted(rel, project):
    """Whether the file at rel (posix, project-relative) is in the corpus."""
    if rel in project["config"]:
        return True
    for p in project["paths"]:
        p = p.rstrip("/")
        # The __init__ files of the packages around a checked path: without
        # them libp2p/transport/webrtc would be a top-level package
        # `webrtc`, and `from libp2p.transport.webrtc.x import y` would name
        # nothing, unlike in a checkout of the project.
        parts = p.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if rel in (f"{parent}/__init__.py", f"{parent}/__init__.pyi"):
                return True
        if p in ("", ".") and rel.endswith(SOURCE_SUFFIXES):
            return True
        if rel == p:
            return True
        if rel.startswith(p + "/") and rel.endswith(SOURCE_SUFFIXES):
            return True
    return False


def git(gitdir, *args, binary=False):
    proc = subprocess.run(["git", "--git-dir", str(gitdir), *args],
                          capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise CorpusError(f"git {' '.join(args)}: "
                          f"{proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout if binary else proc.stdout.decode()


def git_dir_for(project, dest):
    owner, name = project["repository"].split("/", 1)
    mirror_root = pathlib.Path(os.environ.get("TRIOAIO_CORPUS_MIRROR",
                                              "/work/.mirror"))
    mirror = mirror_root / f"{owner}+{name}" / "repo"
    if mirror.is_dir():
        return mirror
    cache = dest / ".git-cache" / f"{owner}+{name}.git"
    if not cache.is_dir():
        base = os.environ.get("TRIOAIO_CORPUS_GIT_BASE",
                              "https://github.com")
        url = f"{base.rstrip('/')}/{owner}/{name}"
        cache.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["git", "clone", "--bare", "--filter=blob:limit=4m", url,
             str(cache)], capture_output=True, timeout=600,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
        if proc.returncode != 0:
            shutil.rmtree(cache, ignore_errors=True)
            raise CorpusError(f"no mirror at {mirror} and `git clone {url}` "
                              f"failed: "
                              f"{proc.stderr.decode(errors='replace').strip()}")
    return cache


def files_from_git(project, dest):
    gitdir = git_dir_for(project, dest)
    commit = project["commit"]
    try:
        git(gitdir, "cat-file", "-e", f"{commit}^{{commit}}")
    except CorpusError:
        # A cache cloned earlier may predate the commit (pull-request heads
        # are not fetched by a plain clone): fetch it by id.
        subprocess.run(["git", "--git-dir", str(gitdir), "fetch", "origin",
                        commit], capture_output=True, timeout=600)
        git(gitdir, "cat-file", "-e", f"{commit}^{{commit}}")
    listing = git(gitdir, "ls-tree", "-r", "-z", commit).split("\0")
    out = {}
    for entry in listing:
        if not entry:
            continue
        meta, rel = entry.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind != "blob" or mode == "120000" or not wanted(rel, project):
            continue
        out[rel] = git(gitdir, "cat-file", "blob", sha, binary=True)
    return out


def files_from_pypi(project, dest):
    spec = f"{project['package']}=={project['version']}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps",
             "--no-binary", ":all:", "-q", "-d", tmp,
             spec], capture_output=True, timeout=600)
        archives = [p for p in pathlib.Path(tmp).iterdir()
                    if p.name.endswith((".tar.gz", ".zip"))]
        if not archives:
            raise CorpusError(
                f"`pip download {spec}` gave no sdist: "
                f"{proc.stderr.decode(errors='replace').strip()[-300:]}")
        data = archives[0].read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != project["sha256"]:
        raise CorpusError(f"{archives[0].name} has sha256 {digest}, the "
                          f"manifest pins {project['sha256']}")
    strip = project.get("strip", "").rstrip("/")
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            rel = member.name
            if strip:
                if not rel.startswith(strip + "/"):
                    continue
                rel = rel[len(strip) + 1:]
            if ".." in rel.split("/") or not wanted(rel, project):
                continue
            out[rel] = tar.extractfile(member).read()
    return out


def materialise(project, dest):
    """Write the project's files under dest/<name>; return the file count."""
    get = files_from_git if project["source"] == "git" else files_from_pypi
    files = get(project, dest)
    if not any(rel.endswith(SOURCE_SUFFIXES) for rel in files):
        raise CorpusError(f"none of {project['paths']} holds a Python file "
                          f"at {revision(project)}")
    target = dest / project["name"]
    tmp = dest / f".{project['name']}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, data in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    with open(tmp / STAMP, "w") as f:
        json.dump(stamp_of(project), f, indent=1)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return len(files)


def present(projects, dest):
    """The projects whose materialised copy under dest matches the
    manifest."""
    return [p for p in projects if is_current(p, dest)]


def cmd_fetch(args):
    projects = load_manifest()
    if args.only:
        names = set(args.only.split(","))
        unknown = names - {p["name"] for p in projects}
        if unknown:
            raise SystemExit("unknown project(s): "
                             + ", ".join(sorted(unknown)))
        projects = [p for p in projects if p["name"] in names]
    dest = pathlib.Path(args.dest) if args.dest else default_dest()
    dest.mkdir(parents=True, exist_ok=True)
    ok = 0
    for p in projects:
        if is_current(p, dest):
            print(f"{p['name']}: present ({revision(p)})")
            ok += 1
            continue
        try:
            n = materialise(p, dest)
        except (CorpusError, OSError, subprocess.TimeoutExpired) as e:
            print(f"{p['name']}: skipped: {e}", file=sys.stderr)
            continue
        print(f"{p['name']}: {n} files ({revision(p)})")
        ok += 1
    print(f"{ok} of {len(projects)} projects in {dest}")
    return 0 if ok else 1


def cmd_list(args):
    for p in load_manifest():
        print(f"{p['name']}\t{revision(p)}\t{' '.join(p['paths'])}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="write the corpus into DIR")
    f.add_argument("--dest", help="default: $TRIOAIO_CORPUS or build/corpus")
    f.add_argument("--only", help="comma-separated project names")
    f.set_defaults(func=cmd_fetch)
    ls = sub.add_parser("list", help="the projects and their revisions")
    ls.set_defaults(func=cmd_list)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
