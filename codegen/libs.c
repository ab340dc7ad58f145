#include "libs.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

static const char *const a2t_names[] = {"aio_as_trio", "asyncio_as_trio",
                                        "trio2aio"};
static const char *const t2a_names[] = {"trio_as_aio", "trio_as_asyncio",
                                        "aio2trio"};

static int
in_list(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}
#define IN_LIST(s, l) in_list((s), (l), sizeof(l) / sizeof((l)[0]))

int
gen_is_boundary_name(const char *last)
{
    return IN_LIST(last, a2t_names) || IN_LIST(last, t2a_names);
}

const char *
gen_shim_name(int shim)
{
    return shim == GEN_SHIM_A2T ? "aio_as_trio" : "trio_as_aio";
}

const char *
gen_domain_name(int dom)
{
    switch (dom) {
    case GEN_DOM_AIO:
        return "asyncio";
    case GEN_DOM_TRIO:
        return "Trio";
    case GEN_DOM_MIXED:
        return "mixed";
    default:
        return "unknown";
    }
}

static int
is_runtime(const struct gen_project *p, const char *mod, size_t n)
{
    return (n == 7 && memcmp(mod, "trioaio", 7) == 0) ||
           (n == 12 && memcmp(mod, "trio_asyncio", 12) == 0) ||
           (p->runtime && strlen(p->runtime) == n &&
            memcmp(mod, p->runtime, n) == 0);
}

int
gen_is_runtime(const struct gen_project *p, const char *mod)
{
    return is_runtime(p, mod, strcspn(mod, "."));
}

int
gen_shim_of(const struct gen_project *p, const char *fqn)
{
    const char *dot = strrchr(fqn, '.');
    const char *last = dot ? dot + 1 : fqn;
    size_t nmod = dot ? (size_t)(dot - fqn) : 0;
    int rt = dot == NULL || is_runtime(p, fqn, nmod);
    int lib = strncmp(fqn, "asyncio.", 8) == 0;

    if (rt && IN_LIST(last, a2t_names))
        return GEN_SHIM_A2T;
    if (rt && IN_LIST(last, t2a_names))
        return GEN_SHIM_T2A;
    if (lib)
        return GEN_SHIM_NONE;
    /* Loop methods and module functions, modern and legacy (the original
     * README's loop.run_asyncio / loop.run_coroutine / loop.run_trio). */
    if (strcmp(last, "run_aio_coroutine") == 0 ||
        strcmp(last, "run_aio_future") == 0 ||
        strcmp(last, "run_aio_generator") == 0 ||
        (dot != NULL && (strcmp(last, "run_asyncio") == 0 ||
                         strcmp(last, "run_coroutine") == 0 ||
                         strcmp(last, "run_future") == 0)))
        return GEN_SHIM_A2T;
    if (dot != NULL &&
        (strcmp(last, "run_trio") == 0 || strcmp(last, "trio_as_future") == 0))
        return GEN_SHIM_T2A;
    return GEN_SHIM_NONE;
}

/* The library table: packages by dotted prefix, longest match wins, so
 * `redis.asyncio` is asyncio while `redis` itself is not listed (a sync
 * client).  GEN_DOM_NONE entries are neutral: they run under either
 * library (anyio, sniffio) or have no async API of their own.  Outside
 * this table, a top-level package named `aio*` is asyncio and `trio_*` is
 * Trio, but only when it is not part of the checked project (a project
 * named `aio_databases` may well support both).  docs/generator-rules.md
 * lists the table; tests/gen/test_libraries.py checks every entry. */
static const struct gen_libpkg gen_libtable[] = {
    /* asyncio and its ecosystem */
    {"asyncio", GEN_DOM_AIO},
    {"asyncpg", GEN_DOM_AIO},
    {"asyncssh", GEN_DOM_AIO},
    {"websockets", GEN_DOM_AIO},
    {"redis.asyncio", GEN_DOM_AIO},
    {"grpc.aio", GEN_DOM_AIO},
    {"motor", GEN_DOM_AIO},
    {"uvloop", GEN_DOM_AIO},
    {"zmq.asyncio", GEN_DOM_AIO},
    {"databases", GEN_DOM_AIO},
    {"async_timeout", GEN_DOM_AIO},
    {"janus", GEN_DOM_AIO},
    {"nats", GEN_DOM_AIO},
    {"aiohttp", GEN_DOM_AIO},
    {"aiortc", GEN_DOM_AIO},
    {"aiostream", GEN_DOM_AIO},
    /* Trio and its ecosystem */
    {"trio", GEN_DOM_TRIO},
    {"trio_websocket", GEN_DOM_TRIO},
    {"trio_util", GEN_DOM_TRIO},
    {"pytest_trio", GEN_DOM_TRIO},
    {"hypercorn.trio", GEN_DOM_TRIO},
    {"quart_trio", GEN_DOM_TRIO},
    /* neutral: either library, or no async API */
    {"anyio", GEN_DOM_NONE},
    {"sniffio", GEN_DOM_NONE},
    {"httpx", GEN_DOM_NONE},
    {"httpcore", GEN_DOM_NONE},
    {"outcome", GEN_DOM_NONE},
    {"async_generator", GEN_DOM_NONE},
    {"exceptiongroup", GEN_DOM_NONE},
    {"trio_typing", GEN_DOM_NONE},
    {"asyncclick", GEN_DOM_NONE},
    {"hypercorn", GEN_DOM_NONE},
    /* Its engine runs on whatever async driver the dialect uses:
     * sqlalchemy_triopg runs it on Trio. */
    {"sqlalchemy.ext.asyncio", GEN_DOM_NONE},
};

const struct gen_libpkg *
gen_libs_table(size_t *n)
{
    *n = sizeof(gen_libtable) / sizeof(gen_libtable[0]);
    return gen_libtable;
}

/* The longest entry that is fqn or a dotted prefix of it, or NULL. */
static const struct gen_libpkg *
table_entry(const char *fqn)
{
    const struct gen_libpkg *best = NULL;
    size_t i, bestn = 0, n;

    for (i = 0; i < sizeof(gen_libtable) / sizeof(gen_libtable[0]); i++) {
        n = strlen(gen_libtable[i].name);
        if (n > bestn && strncmp(fqn, gen_libtable[i].name, n) == 0 &&
            (fqn[n] == '\0' || fqn[n] == '.')) {
            best = &gen_libtable[i];
            bestn = n;
        }
    }
    return best;
}

int
gen_is_project_package(struct gen_project *p, const struct gen_file *f,
                       const char *top, size_t n)
{
    char *key = gen_xstrndup(top, n), *cand;
    void *v = gen_map_get(&p->tops, key);
    int r;

    if (v != NULL) {
        free(key);
        return v == (void *)2;
    }
    r = gen_map_get(&p->by_module, key) != NULL;
    if (!r && f != NULL && f->root != NULL) {
        cand = gen_xasprintf("%s/%s/__init__.py", f->root, key);
        r = gen_is_file(cand);
        free(cand);
        if (!r) {
            cand = gen_xasprintf("%s/%s.py", f->root, key);
            r = gen_is_file(cand);
            free(cand);
        }
    }
    gen_map_put(&p->tops, key, r ? (void *)2 : (void *)1);
    free(key);
    return r;
}

/* Names in the runtime: open_loop() is a Trio context; its loop is an
 * asyncio loop whose asyncio methods are asyncio code, while its own
 * additions (synchronize, wait_stopped) are Trio code and the shims are
 * classified elsewhere.  Everything else is neutral. */
static int
runtime_domain(const char *rest)
{
    static const char *const trio_methods[] = {"synchronize", "wait_stopped",
                                               "run_trio_task"};
    const char *m;

    if (strcmp(rest, ".open_loop") == 0)
        return GEN_DOM_TRIO;
    if (strncmp(rest, ".TrioEventLoop.", 15) != 0)
        return GEN_DOM_NONE;
    m = rest + 15;
    if (IN_LIST(m, trio_methods))
        return GEN_DOM_TRIO;
    return GEN_DOM_AIO;
}

int
gen_lib_domain(struct gen_project *p, const struct gen_file *f,
               const char *fqn)
{
    size_t n = strcspn(fqn, ".");
    const struct gen_libpkg *e;

    if (is_runtime(p, fqn, n))
        return runtime_domain(fqn + n);
    if (n == 7 && memcmp(fqn, "asyncio", 7) == 0)
        return GEN_DOM_AIO; /* the standard library, never the project */
    /* What the configuration says comes first: the user knows. */
    if (p->config != NULL) {
        const struct gen_modrule *m =
            gen_config_match(p->config->libs, p->config->nlibs, fqn);

        if (m != NULL)
            return m->dom;
    }
    e = table_entry(fqn);
    if (e == NULL && !(n > 3 && memcmp(fqn, "aio", 3) == 0) &&
        !(n > 5 && memcmp(fqn, "trio_", 5) == 0))
        return GEN_DOM_NONE;
    /* The project's own modules are never a library, whatever their name. */
    if (gen_is_project_package(p, f, fqn, n))
        return GEN_DOM_NONE;
    if (e != NULL)
        return e->dom;
    return fqn[0] == 'a' ? GEN_DOM_AIO : GEN_DOM_TRIO;
}

/* Library context managers no shim can carry to the other domain: a
 * nursery or cancel scope belongs to the Trio task that opened it, an
 * asyncio timeout or task group to the asyncio task, and open_loop()
 * starts a loop from Trio code. */
int
gen_lib_is_scope(const struct gen_project *p, const char *fqn)
{
    static const char *const scopes[] = {
        "trio.open_nursery",       "trio.CancelScope",   "trio.move_on_after",
        "trio.move_on_at",         "trio.fail_after",    "trio.fail_at",
        "asyncio.timeout",         "asyncio.timeout_at", "asyncio.TaskGroup",
        "anyio.create_task_group",
    };
    size_t n = strcspn(fqn, ".");

    if (is_runtime(p, fqn, n) && strcmp(fqn + n, ".open_loop") == 0)
        return 1;
    return IN_LIST(fqn, scopes);
}

/* What calling a library factory returns, when that is not simply an
 * object of the factory's own package. */
const char *
gen_lib_factory_type(const struct gen_project *p, const char *fqn)
{
    static const struct {
        const char *factory, *type;
    } f[] = {
        {"trio.open_nursery", "trio.Nursery"},
        {"asyncio.get_event_loop", "asyncio.AbstractEventLoop"},
        {"asyncio.get_running_loop", "asyncio.AbstractEventLoop"},
        {"asyncio.new_event_loop", "asyncio.AbstractEventLoop"},
        {"anyio.create_task_group", "anyio.abc.TaskGroup"},
        {"asyncpg.connect", "asyncpg.Connection"},
        {"asyncpg.create_pool", "asyncpg.Pool"},
        {"redis.asyncio.from_url", "redis.asyncio.Redis"},
        {"aiohttp.request", "aiohttp.ClientResponse"},
    };
    size_t i, n = strcspn(fqn, ".");

    if (is_runtime(p, fqn, n) && strcmp(fqn + n, ".open_loop") == 0)
        return "trio_asyncio.TrioEventLoop";
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (strcmp(fqn, f[i].factory) == 0)
            return f[i].type;
    return NULL;
}

/* Runners and schedulers: the domain the callable handed to them runs
 * in.  `raw` is the callee as written, for loop methods on receivers the
 * tool cannot name (loop.run_until_complete). */
int
gen_entry_domain(const struct gen_project *p, const char *fqn, const char *raw)
{
    static const char *const trio_runners[] = {
        "trio.run",
        "trio.lowlevel.start_guest_run",
        "trio.lowlevel.spawn_system_task",
        "trio.from_thread.run",
        "trio.Nursery.start_soon",
        "trio.Nursery.start",
    };
    static const char *const aio_runners[] = {
        "asyncio.run",
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.gather",
        "asyncio.wait_for",
        "asyncio.shield",
        "asyncio.run_coroutine_threadsafe",
        "asyncio.AbstractEventLoop.run_until_complete",
        "asyncio.AbstractEventLoop.create_task",
        "asyncio.AbstractEventLoop.call_soon",
        "asyncio.AbstractEventLoop.call_soon_threadsafe",
        "asyncio.AbstractEventLoop.call_later",
        "asyncio.AbstractEventLoop.call_at",
        "asyncio.TaskGroup.create_task",
    };
    static const char *const loop_methods[] = {
        "run_until_complete",   "create_task", "call_soon",
        "call_soon_threadsafe", "call_later",  "call_at",
    };
    size_t n;
    const char *last;

    if (fqn != NULL) {
        n = strcspn(fqn, ".");
        if (is_runtime(p, fqn, n) && strcmp(fqn + n, ".run") == 0)
            return GEN_DOM_TRIO; /* trio_asyncio.run(main): main is Trio */
        /* trio_asyncio.run(aio_as_trio, f): the shim runs f as asyncio. */
        if (is_runtime(p, fqn, n) &&
            (strcmp(fqn + n, ".aio_as_trio") == 0 ||
             strcmp(fqn + n, ".asyncio_as_trio") == 0))
            return GEN_DOM_AIO;
        if (IN_LIST(fqn, trio_runners))
            return GEN_DOM_TRIO;
        if (IN_LIST(fqn, aio_runners))
            return GEN_DOM_AIO;
        return GEN_DOM_NONE;
    }
    /* Unresolved receiver: only methods no Trio or neutral object has. */
    last = strrchr(raw, '.');
    if (last == NULL)
        return GEN_DOM_NONE;
    return IN_LIST(last + 1, loop_methods) ? GEN_DOM_AIO : GEN_DOM_NONE;
}
