#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "libs.h"
#include "load.h"
#include "resolve.h"
#include "util.h"

/* Upper bound on domain propagation passes; each pass settles at least one
 * more call-graph layer, and real call chains are shallow. */
#define FIXPOINT_PASSES 64
/* How many base classes deep a method is looked for. */
#define BASES_DEPTH 6

static const char *const evk_names[GEN_EVK_COUNT] = {
    [GEN_EVK_BOUNDARY] = "boundary decorator",
    [GEN_EVK_MARK] = "pytest mark",
    [GEN_EVK_PYTEST_MODE] = "pytest configuration",
    [GEN_EVK_ENTRY] = "runner",
    [GEN_EVK_TASK_STATUS] = "task_status parameter",
    [GEN_EVK_SCOPE] = "scope",
    [GEN_EVK_LIB_AWAIT] = "library await",
    [GEN_EVK_LIB_WITH] = "library context or iterator",
    [GEN_EVK_AWAIT_BOUNDARY] = "awaits a boundary function",
    [GEN_EVK_SHIM] = "shim",
    [GEN_EVK_DEFAULT] = "configured default",
    [GEN_EVK_PRAGMA] = "file comment",
    [GEN_EVK_MODULE] = "module imports",
    [GEN_EVK_PROPAGATED] = "project call",
    [GEN_EVK_WRAPPED] = "wrapped by callers",
    [GEN_EVK_PROTOCOL] = "protocol partner",
    [GEN_EVK_CLASS] = "class interface",
    [GEN_EVK_FRAMEWORK] = "framework hook",
    [GEN_EVK_ASSERT] = "assertion",
    [GEN_EVK_CONTRACT] = "shim contract",
};

const char *
gen_evk_name(int kind)
{
    return kind >= 0 && kind < GEN_EVK_COUNT ? evk_names[kind] : "?";
}

void
gen_evid_reason(struct gen_buf *b, const struct gen_evid *e, const char *here)
{
    if (e == NULL) {
        gen_buf_puts(b, "no evidence");
        return;
    }
    gen_buf_puts(b, e->what);
    if (e->line == 0)
        gen_buf_printf(b, " in %s",
                       e->path ? gen_display_path(e->path) : "configuration");
    else if (here != NULL && e->path != NULL && strcmp(here, e->path) == 0)
        gen_buf_printf(b, ", line %u", e->line);
    else
        gen_buf_printf(b, " at %s:%u",
                       e->path ? gen_display_path(e->path) : "?", e->line);
}

static void
add_evid(struct gen_func *fn, int kind, int tier, int dom, const char *path,
         uint32_t line, char *what, const struct gen_func *via)
{
    struct gen_evid e = {0};

    if (dom != GEN_DOM_AIO && dom != GEN_DOM_TRIO) {
        free(what);
        return;
    }
    e.kind = (uint8_t)kind;
    e.tier = (uint8_t)tier;
    e.dom = (uint8_t)dom;
    e.path = path;
    e.line = line;
    e.what = what;
    e.via = via;
    e.col = 1;
    GEN_PUSH(fn->evid, fn->nevid, fn->capevid, e);
}

/* The same, at a column: for evidence inside the function's own body. */
static void
add_evid_at(struct gen_func *fn, int kind, int tier, int dom, const char *path,
            uint32_t line, uint32_t col, char *what,
            const struct gen_func *via)
{
    size_t n = fn->nevid;

    add_evid(fn, kind, tier, dom, path, line, what, via);
    if (fn->nevid > n)
        fn->evid[n].col = col;
}

static const char *
last_of(const char *s)
{
    const char *dot = strrchr(s, '.');

    return dot ? dot + 1 : s;
}

/* ---- Decorators and parameters ----------------------------------------- */

static char *
typed_name(struct gen_project *p, const struct gen_file *f,
           const struct gen_func *fn, const char *callee, uint32_t line);

/* pytest plugins' markers and fixtures that say how a function is run. */
static int
mark_domain(const char *fqn)
{
    if (strcmp(fqn, "pytest.mark.trio") == 0 ||
        strcmp(fqn, "pytest_trio.trio_fixture") == 0)
        return GEN_DOM_TRIO;
    if (strcmp(fqn, "pytest.mark.asyncio") == 0 ||
        strcmp(fqn, "pytest_asyncio.fixture") == 0)
        return GEN_DOM_AIO;
    return GEN_DOM_NONE;
}

/* The runtime's own module-level `run_aio_coroutine(coro)` (trio-asyncio's,
 * trioaio's): by the shim's contract, which every caller relies on, Trio
 * code given an asyncio coroutine.  (Not the loop's method, nor
 * run_aio_future: aio_as_trio, the fix for awaiting the coroutine there,
 * ends in them.) */
static int
runtime_shim_def(const struct gen_project *p, const struct gen_file *f,
                 const struct gen_func *fn)
{
    return (fn->flags & GEN_FN_ASYNC) &&
           !(fn->flags & (GEN_FN_CLASS | GEN_FN_METHOD | GEN_FN_GEN)) &&
           fn->ndecos == 0 && strcmp(fn->qualname, "run_aio_coroutine") == 0 &&
           f->modname != NULL && gen_is_runtime(p, f->modname) &&
           fn->nparams >= 1 && fn->params[0].name != NULL &&
           fn->params[0].name[0] != '*';
}

/* `await coro` in the runtime's run_aio_coroutine(coro), coro not
 * rebound: the caller's asyncio coroutine, awaited in this task. */
static int
awaits_shim_coroutine(const struct gen_project *p, const struct gen_file *f,
                      const struct gen_func *fn, const struct gen_event *ev);

static void
classify_decorators(struct gen_project *p, struct gen_file *f,
                    struct gen_func *fn)
{
    size_t i;

    if (runtime_shim_def(p, f, fn))
        add_evid(fn, GEN_EVK_CONTRACT, GEN_TIER_CONTEXT, GEN_DOM_TRIO, f->path,
                 fn->line,
                 gen_xstrdup("defines the runtime's `run_aio_coroutine`, "
                             "Trio code given an asyncio coroutine"),
                 NULL);

    for (i = 0; i < fn->ndecos; i++) {
        const struct gen_decorator *d = &fn->decos[i];
        char *fqn;
        const char *last;
        int shim, dom;

        if (d->name == NULL)
            continue;
        fqn = gen_project_resolve(p, f, NULL, d->name);
        if (fqn == NULL)
            fqn = gen_xstrdup(d->name);
        last = last_of(fqn);
        shim =
            gen_is_boundary_name(last) ? gen_shim_of(p, fqn) : GEN_SHIM_NONE;
        if (shim != GEN_SHIM_NONE && fn->boundary == GEN_SHIM_NONE) {
            fn->boundary = (uint8_t)shim;
            fn->bdeco = d;
            fn->domain = shim == GEN_SHIM_A2T ? GEN_DOM_AIO : GEN_DOM_TRIO;
            fn->iface = shim == GEN_SHIM_A2T ? GEN_DOM_TRIO : GEN_DOM_AIO;
            add_evid(fn, GEN_EVK_BOUNDARY, GEN_TIER_BOUNDARY, fn->domain,
                     f->path, d->line, gen_xasprintf("`@%s`", d->name), NULL);
        }
        if (strcmp(last, "asynccontextmanager") == 0)
            fn->acm = 1;
        if (strcmp(fqn, d->name) == 0 && (fn->flags & GEN_FN_ASYNC) &&
            strchr(d->name, '.') != NULL) {
            /* `@app.route(...)` where `app = QuartTrio(__name__)`: the
             * app runs its hooks and handlers in Trio. */
            char *tn = typed_name(p, f, fn, d->name, UINT32_MAX);

            if (tn != NULL && strncmp(tn, "quart_trio.", 11) == 0 &&
                gen_lib_domain(p, f, tn) == GEN_DOM_TRIO)
                add_evid_at(
                    fn, GEN_EVK_FRAMEWORK, GEN_TIER_CONTEXT, GEN_DOM_TRIO,
                    f->path, d->line, d->col,
                    gen_xasprintf("`@%s` of a Quart-Trio app", d->name), NULL);
            free(tn);
        }
        dom = mark_domain(fqn);
        if (dom != GEN_DOM_NONE)
            add_evid_at(fn, GEN_EVK_MARK, GEN_TIER_CONTEXT, dom, f->path,
                        d->line, d->col, gen_xasprintf("`@%s`", d->name),
                        NULL);
        free(fqn);
    }
    for (i = 0; i < fn->nparams; i++)
        if (fn->params[i].name != NULL &&
            strcmp(fn->params[i].name, "task_status") == 0)
            add_evid(fn, GEN_EVK_TASK_STATUS, GEN_TIER_CONTEXT, GEN_DOM_TRIO,
                     f->path, fn->params[i].line,
                     gen_xstrdup("a `task_status` parameter"), NULL);
}

/* ---- Types of receivers ------------------------------------------------- */

/* The resolved type a written type name denotes: a library factory's
 * result type, a project function's return annotation, else the name. */
static char *
typed_name_d(struct gen_project *p, const struct gen_file *f,
             const struct gen_func *fn, const char *callee, uint32_t line,
             int depth);
static char *
resolve_type(struct gen_project *p, const struct gen_file *f,
             const struct gen_func *fn, const char *written, int depth);

/* The last binding of name[0:n] in fn before `line` (any line for an
 * attribute, which any method may bind), or NULL. */
static const struct gen_bind *
find_bind(const struct gen_func *fn, const char *name, size_t n, uint32_t line,
          int attr)
{
    const struct gen_bind *found = NULL;
    size_t i;

    for (i = 0; i < fn->nbinds; i++) {
        const struct gen_bind *b = &fn->binds[i];

        if (b->type != NULL && strncmp(b->name, name, n) == 0 &&
            b->name[n] == '\0' && (attr || b->line <= line))
            found = b;
    }
    return found;
}

/* The resolved name of `rest` read from the value of binding b (in fn of
 * f): `x.m` where `x = y` is `y.m`; where `x = await y`, the same if y
 * is a library's; where x is a parameter typed by its callers, that type.
 * NULL when unknown. */
static char *
bound_value_name(struct gen_project *p, const struct gen_file *f,
                 const struct gen_func *fn, const struct gen_bind *b,
                 const char *rest, int depth)
{
    char *k, *r;

    if (depth > 3)
        return NULL;
    if (b->kind == GEN_BIND_ELEMENT) {
        /* An element of a library's result is an object of that library,
         * named by it (`aioredis.get`); of anything else, unknown. */
        char *t = resolve_type(p, f, fn, b->type, depth + 1);

        if (t == NULL || gen_lib_domain(p, f, t) == GEN_DOM_NONE) {
            free(t);
            return NULL;
        }
        r = gen_xasprintf("%.*s%s", (int)strcspn(t, "."), t, rest);
        free(t);
        return r;
    }
    if (b->kind == GEN_BIND_PARAM) {
        const struct gen_func *g = b->site >= 0 && (size_t)b->site < f->nfuncs
                                       ? &f->funcs[b->site]
                                       : NULL;
        size_t i;

        for (i = 0; g != NULL && i < g->nparams; i++) {
            const struct gen_bind *pb = &g->params[i];

            if (pb->name == NULL || strcmp(pb->name, b->type) != 0 ||
                pb->type == NULL)
                continue;
            if (pb->resolved == 1)
                return gen_xasprintf("%s%s", pb->type, rest);
            k = resolve_type(p, f, g, pb->type, depth + 1);
            if (k == NULL)
                return NULL;
            r = gen_xasprintf("%s%s", k, rest);
            free(k);
            return r;
        }
        return NULL;
    }
    k = gen_xasprintf("%s%s", b->type, rest);
    r = gen_project_resolve(p, f, fn, k);
    /* `self.x` resolves to the class's member, which is no type. */
    if (r == NULL || strncmp(k, "self.", 5) == 0) {
        char *t = typed_name_d(p, f, fn, k, b->line, depth + 1);

        if (t != NULL || r == NULL) {
            free(r);
            r = t;
        }
    }
    free(k);
    if (r != NULL && b->kind == GEN_BIND_AWAITED &&
        gen_lib_domain(p, f, r) == GEN_DOM_NONE) {
        free(r); /* awaiting a project object gives something else */
        r = NULL;
    }
    return r;
}

/* `d.pop(k)` or `d.get(k)` where d (a name or `self.d`) is annotated as a
 * mapping (`dict[str, V]`, which the model writes "{}V"): a V; else
 * NULL. */
static char *
mapping_value(struct gen_project *p, const struct gen_file *f,
              const struct gen_func *fn, const char *written, int depth)
{
    const char *dot = strrchr(written, '.'), *type = NULL;
    const struct gen_bind *b;
    size_t n, i, skip;
    int attr;

    if (dot == NULL || (strcmp(dot, ".pop") != 0 && strcmp(dot, ".get") != 0))
        return NULL;
    n = (size_t)(dot - written);
    attr = n > 5 && strncmp(written, "self.", 5) == 0;
    skip = attr ? 5 : 0;
    if (n == skip || memchr(written + skip, '.', n - skip) != NULL)
        return NULL;
    b = find_bind(fn, written, n, UINT32_MAX, attr);
    if (b != NULL)
        type = b->kind == GEN_BIND_CALL ? b->type : NULL;
    for (i = 0; b == NULL && !attr && i < fn->nparams; i++)
        if (fn->params[i].name != NULL && !fn->params[i].resolved &&
            strncmp(fn->params[i].name, written, n) == 0 &&
            fn->params[i].name[n] == '\0')
            type = fn->params[i].type;
    if (type == NULL || strncmp(type, "{}", 2) != 0 || type[2] == '\0')
        return NULL;
    return resolve_type(p, f, fn, type + 2, depth + 1);
}

static char *
resolve_type(struct gen_project *p, const struct gen_file *f,
             const struct gen_func *fn, const char *written, int depth)
{
    char *t;
    const char *ft;
    const struct gen_func *g;
    size_t n = strcspn(written, ".");
    const struct gen_bind *b;

    if (fn != NULL && depth < 4) {
        t = mapping_value(p, f, fn, written, depth);
        if (t != NULL)
            return t;
    }
    if (written[0] == '{')
        return NULL; /* a mapping is no type the model names */

    /* Calling a name bound to `partial(f, ...)` or to another callable
     * calls that. */
    if (fn != NULL && depth < 4) {
        if (n == 4 && memcmp(written, "self", 4) == 0 && written[4] == '.')
            n = 5 + strcspn(written + 5, ".");
        b = written[n] == '\0' ? find_bind(fn, written, n, UINT32_MAX, 1)
                               : NULL;
        if (b != NULL && b->kind == GEN_BIND_ALIAS)
            return resolve_type(p, f, fn, b->type, depth + 1);
    }
    t = NULL;
    /* `self.x.m(...)`: what self.x is tells, not the class's member. */
    if (fn != NULL && strncmp(written, "self.", 5) == 0 &&
        strchr(written + 5, '.') != NULL) {
        /* The class's member `Class.x.m` is no type: unknown until what
         * self.x is is known. */
        if (depth >= 3)
            return NULL;
        t = typed_name_d(p, f, fn, written, UINT32_MAX, depth + 1);
        if (t == NULL)
            return NULL;
    }
    if (t == NULL)
        t = gen_project_resolve(p, f, fn, written);
    /* `channel = redis.pubsub()`: what redis is says what pubsub makes. */
    if (t == NULL && depth < 3)
        t = typed_name_d(p, f, fn, written, UINT32_MAX, depth + 1);
    if (t == NULL)
        return NULL; /* unknown stays unknown */
    ft = gen_lib_factory_type(p, t);
    if (ft != NULL) {
        free(t);
        return gen_xstrdup(ft);
    }
    g = gen_find_func(p, t, 0);
    if (g != NULL && !(g->flags & GEN_FN_CLASS)) {
        free(t);
        if (g->file == NULL || depth > 2)
            return NULL;
        if (g->ret == NULL && g->acm && g->yields != NULL) {
            /* `async with handle(...) as x` where handle is an
             * @asynccontextmanager: what it yields. */
            const struct gen_bind *yb =
                find_bind(g, g->yields, strlen(g->yields), UINT32_MAX, 0);

            if (yb == NULL || yb->kind != GEN_BIND_CALL)
                return NULL;
            return resolve_type(p, g->file, g, yb->type, depth + 1);
        }
        if (g->ret == NULL)
            return NULL;
        return resolve_type(p, g->file, NULL, g->ret, depth + 1);
    }
    return t;
}

static int
is_fixture(const struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->ndecos; i++) {
        const char *d = fn->decos[i].name;

        if (d != NULL && (strcmp(last_of(d), "fixture") == 0 ||
                          strcmp(last_of(d), "trio_fixture") == 0))
            return 1;
    }
    return 0;
}

/* A test function (test* in a test_*.py or *_test.py file, top level or
 * in a Test* class) or a fixture: its parameters are fixtures. */
static int
is_pytest_fn(const struct gen_file *f, const struct gen_func *fn)
{
    const char *base = strrchr(f->path, '/');
    size_t n;

    if (is_fixture(fn))
        return 1;
    base = base ? base + 1 : f->path;
    n = strlen(base);
    if (!(strncmp(base, "test_", 5) == 0 ||
          (n > 8 && strcmp(base + n - 8, "_test.py") == 0)))
        return 0;
    return strncmp(fn->name, "test", 4) == 0;
}

/* The length of the directory part of a path (0 for none). */
static size_t
dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? (size_t)(slash - path) : 0;
}

/* The fixture `name` visible from f: in f itself, else in the conftest.py
 * of the nearest directory at or above f's. */
static const struct gen_func *
find_fixture(const struct gen_project *p, const struct gen_file *f,
             const char *name)
{
    const struct gen_func *best = NULL;
    size_t i, j, bestlen = 0, fl = dir_len(f->path);

    for (i = 0; i < p->nfiles; i++) {
        const struct gen_file *g = p->files[i];
        size_t gl = dir_len(g->path);
        const char *base = g->path + gl + (gl ? 1 : 0);

        if (g != f && strcmp(base, "conftest.py") != 0)
            continue;
        if (g != f && !(gl <= fl && strncmp(g->path, f->path, gl) == 0 &&
                        (gl == 0 || f->path[gl] == '/')))
            continue;
        for (j = 0; j < g->nfuncs; j++) {
            const struct gen_func *fx = &g->funcs[j];

            if (strcmp(fx->qualname, name) != 0 || !is_fixture(fx))
                continue;
            if (g == f)
                return fx;
            if (best == NULL || gl > bestlen) {
                best = fx;
                bestlen = gl;
            }
        }
    }
    return best;
}

/* The type of what the fixture `name` yields, resolved, or NULL. */
static char *
fixture_type(struct gen_project *p, const struct gen_file *f, const char *name,
             int depth)
{
    const struct gen_func *fx = find_fixture(p, f, name);
    const char *type = NULL;
    size_t i;

    if (fx == NULL || fx->yields == NULL || fx->file == NULL)
        return NULL;
    for (i = 0; i < fx->nbinds; i++)
        if (fx->binds[i].type != NULL &&
            strcmp(fx->binds[i].name, fx->yields) == 0)
            type = fx->binds[i].type;
    /* A fixture that returns a function it defines gives that function:
     * `return _execute` after `async def _execute(sql): ...`. */
    if (type == NULL && !(fx->flags & GEN_FN_GEN) &&
        strchr(fx->yields, '.') == NULL) {
        char *k = gen_xasprintf("%s%s%s.%s", fx->file->modname,
                                *fx->file->modname ? "." : "", fx->qualname,
                                fx->yields);
        const struct gen_func *g = gen_find_func(p, k, 0);

        if (g != NULL && !(g->flags & GEN_FN_CLASS) && g->file == fx->file)
            return k;
        free(k);
    }
    return type ? resolve_type(p, fx->file, fx, type, depth + 1) : NULL;
}

/* `super().m` in a method: m of the first base of its class that can be
 * named (rest is ".m"). */
static char *
super_name(struct gen_project *p, const struct gen_file *f,
           const struct gen_func *fn, const char *rest)
{
    const char *dot = strrchr(fn->qualname, '.');
    char *k;
    const struct gen_func *cls;
    size_t i;

    if (!(fn->flags & GEN_FN_METHOD) || dot == NULL)
        return NULL;
    k = f->modname[0]
            ? gen_xasprintf("%s.%.*s", f->modname, (int)(dot - fn->qualname),
                            fn->qualname)
            : gen_xstrndup(fn->qualname, (size_t)(dot - fn->qualname));
    cls = gen_find_func(p, k, 0);
    free(k);
    if (cls == NULL || !(cls->flags & GEN_FN_CLASS))
        return NULL;
    for (i = 0; i < cls->nparams; i++) {
        char *b = gen_project_resolve(p, f, NULL, cls->params[i].type), *r;

        if (b == NULL)
            continue;
        r = gen_xasprintf("%s%s", b, rest);
        free(b);
        return r;
    }
    return NULL;
}

/* Whether fn has a parameter name[0:n]. */
static int
has_param(const struct gen_func *fn, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < fn->nparams; i++)
        if (fn->params[i].name != NULL &&
            strncmp(fn->params[i].name, name, n) == 0 &&
            fn->params[i].name[n] == '\0')
            return 1;
    return 0;
}

/* The function fn is defined in, or NULL (top level, or in a class). */
static const struct gen_func *
enclosing_func(struct gen_project *p, const struct gen_file *f,
               const struct gen_func *fn)
{
    const char *dot = strrchr(fn->qualname, '.');
    const struct gen_func *g;
    char *k;

    if (dot == NULL)
        return NULL;
    k = f->modname[0]
            ? gen_xasprintf("%s.%.*s", f->modname, (int)(dot - fn->qualname),
                            fn->qualname)
            : gen_xstrndup(fn->qualname, (size_t)(dot - fn->qualname));
    g = gen_find_func(p, k, 0);
    free(k);
    return g != NULL && !(g->flags & GEN_FN_CLASS) && g->file == f ? g : NULL;
}

/* Whether a method is a property (its value is what it returns). */
static int
is_property(const struct gen_func *g)
{
    size_t i;

    for (i = 0; i < g->ndecos; i++) {
        const char *d = g->decos[i].name;

        if (d != NULL && (strcmp(last_of(d), "property") == 0 ||
                          strcmp(last_of(d), "cached_property") == 0))
            return 1;
    }
    return 0;
}

/* The resolved name of `callee` through the type of its receiver: a
 * parameter's annotation, or what a local name or `self.x` was bound to
 * before `line`.  NULL when the receiver's type is unknown. */
static char *
typed_name_d(struct gen_project *p, const struct gen_file *f,
             const struct gen_func *fn, const char *callee, uint32_t line,
             int depth)
{
    const char *dot = strchr(callee, '.'), *type = NULL;
    size_t n, i;
    char *t, *r;
    int attr = 0;

    if (fn == NULL || dot == NULL)
        return NULL;
    n = (size_t)(dot - callee);
    if (n == 5 && memcmp(callee, "super", 5) == 0)
        return super_name(p, f, fn, dot);
    if (n == 4 && memcmp(callee, "self", 4) == 0) {
        dot = strchr(dot + 1, '.');
        if (dot == NULL)
            return NULL;
        n = (size_t)(dot - callee);
        attr = 1;
    }
    /* The last binding before the use; an attribute may be bound in any
     * method (usually __init__), so any of its bindings counts. */
    {
        const struct gen_bind *b = NULL;
        const char *dot2 = attr ? NULL : strchr(callee + n + 1, '.');

        /* `app.db.m()`: what `app.db` was bound to, when the module set
         * it, comes before what `app` is. */
        if (dot2 != NULL) {
            b = find_bind(fn, callee, (size_t)(dot2 - callee), line, 1);
            if (b != NULL && b->site == -2) {
                n = (size_t)(dot2 - callee);
                attr = 1;
            }
            else {
                b = NULL;
            }
        }
        if (b == NULL)
            b = find_bind(fn, callee, n, line, attr);
        /* A module-level object's attributes are unknown unless the
         * module binds them. */
        if (b != NULL && b->site == -2 && !attr && dot2 != NULL)
            return NULL;
        if (b != NULL && b->kind != GEN_BIND_CALL)
            return bound_value_name(p, f, fn, b, callee + n, depth);
        if (b != NULL)
            type = b->type;
    }
    /* `self.trans.start()` where `trans` is a property of the class
     * with a return annotation. */
    if (type == NULL && attr && (fn->flags & GEN_FN_METHOD) && depth < 3) {
        const char *q = strrchr(fn->qualname, '.');
        char *k = q ? gen_xasprintf("%s%s%.*s.%.*s", f->modname,
                                    f->modname[0] ? "." : "",
                                    (int)(q - fn->qualname), fn->qualname,
                                    (int)(n - 5), callee + 5)
                    : NULL;
        const struct gen_func *g = k ? gen_find_func(p, k, 0) : NULL;

        free(k);
        if (g != NULL && !(g->flags & GEN_FN_CLASS) && g->ret != NULL &&
            is_property(g)) {
            t = resolve_type(p, f, g, g->ret, depth + 1);
            if (t == NULL)
                return NULL;
            r = gen_xasprintf("%s%s", t, callee + n);
            free(t);
            return r;
        }
    }
    for (i = 0; type == NULL && i < fn->nparams; i++) {
        const struct gen_bind *b = &fn->params[i];

        if (b->name == NULL || strncmp(b->name, callee, n) != 0 ||
            b->name[n] != '\0')
            continue;
        if (b->type != NULL && b->resolved) {
            return gen_xasprintf("%s%s", b->type, callee + n);
        }
        if (b->type != NULL) {
            type = b->type;
        }
        else if (depth < 3 && is_pytest_fn(f, fn)) {
            /* A test's or fixture's parameter is the fixture of that
             * name: what the fixture yields. */
            char *ft = fixture_type(p, f, b->name, depth);

            if (ft != NULL) {
                r = gen_xasprintf("%s%s", ft, callee + n);
                free(ft);
                return r;
            }
        }
    }
    /* A closure's free variable that is a parameter of the function
     * around it (bindings there were looked for already): `loop` of a
     * test, used in a helper defined inside it. */
    if (type == NULL && !attr && depth < 3 && !(fn->flags & GEN_FN_METHOD) &&
        find_bind(fn, callee, n, UINT32_MAX, 1) == NULL &&
        !has_param(fn, callee, n)) {
        const struct gen_func *outer = enclosing_func(p, f, fn);

        if (outer != NULL)
            return typed_name_d(p, f, outer, callee, UINT32_MAX, depth + 1);
    }
    if (type == NULL)
        return NULL;
    t = resolve_type(p, f, fn, type, depth);
    if (t == NULL)
        return NULL;
    r = gen_xasprintf("%s%s", t, callee + n);
    free(t);
    return r;
}

static char *
typed_name(struct gen_project *p, const struct gen_file *f,
           const struct gen_func *fn, const char *callee, uint32_t line)
{
    return typed_name_d(p, f, fn, callee, line, 0);
}

/* A method of a project class, looked up through its bases: the project
 * method, or (*lib set to its domain) a library base's.  fqn is
 * Class.method. */
static const struct gen_func *
find_method(struct gen_project *p, const char *fqn, int *lib, int depth)
{
    const struct gen_func *m = gen_find_func(p, fqn, 0), *cls;
    const char *dot = strrchr(fqn, '.');
    char *cname;
    size_t i;

    if (m != NULL || dot == NULL || depth > BASES_DEPTH)
        return m;
    cname = gen_xstrndup(fqn, (size_t)(dot - fqn));
    cls = gen_find_func(p, cname, 0);
    free(cname);
    if (cls == NULL || !(cls->flags & GEN_FN_CLASS) || cls->file == NULL)
        return NULL;
    for (i = 0; i < cls->nparams; i++) {
        char *b = gen_project_resolve(p, cls->file, NULL, cls->params[i].type);
        char *k;
        int d;

        if (b == NULL)
            continue;
        d = gen_lib_domain(p, cls->file, b);
        if (d != GEN_DOM_NONE) {
            *lib = d;
            free(b);
            return NULL;
        }
        k = gen_xasprintf("%s%s", b, dot);
        free(b);
        m = find_method(p, k, lib, depth + 1);
        free(k);
        if (m != NULL || *lib)
            return m;
    }
    return NULL;
}

/* ---- Events ------------------------------------------------------------- */

/* The resolved callee of the last call bound to the local `name` before
 * `line` (`coro = loop.create_connection(...)`), or NULL. */
static char *
bound_call(struct gen_project *p, const struct gen_file *f,
           const struct gen_func *fn, const char *name, uint32_t line)
{
    const char *type = NULL;
    char *r;
    size_t i;

    for (i = 0; i < fn->nbinds; i++)
        if (fn->binds[i].type != NULL && fn->binds[i].kind == GEN_BIND_CALL &&
            strcmp(fn->binds[i].name, name) == 0 && fn->binds[i].line <= line)
            type = fn->binds[i].type;
    if (type == NULL)
        return NULL;
    r = gen_project_resolve(p, f, fn, type);
    if (r == NULL)
        r = typed_name(p, f, fn, type, line);
    return r;
}

/* A project function that `async with`/`async for` over the class cf
 * would call, or cf itself. */
static const struct gen_func *
protocol_target(struct gen_project *p, const struct gen_func *t,
                const char *cf, int kind, int *lib)
{
    const char *meth;
    char *k;
    const struct gen_func *m;

    if (t == NULL || !(t->flags & GEN_FN_CLASS))
        return t;
    if (kind == GEN_EV_WITH)
        meth = "__aenter__";
    else if (kind == GEN_EV_FOR)
        meth = "__anext__";
    else
        return NULL;
    k = gen_xasprintf("%s.%s", cf, meth);
    m = find_method(p, k, lib, 0);
    free(k);
    return m;
}

static const char *
ev_verb(int kind)
{
    switch (kind) {
    case GEN_EV_WITH:
        return "async with";
    case GEN_EV_FOR:
        return "async for";
    case GEN_EV_SCOPE:
        return "with";
    default:
        return "await";
    }
}

/* "`await run_asyncio(aioredis.create_redis_pool(...))`" */
static char *
through_text(const struct gen_event *ev)
{
    if (ev->arg_is_call == GEN_ARG_LAMBDA)
        return gen_xasprintf("`await %s(lambda: %s(...))`", ev->callee,
                             ev->arg);
    if (!ev->arg_is_call)
        return gen_xasprintf("`await %s(%s)`", ev->callee, ev->arg);
    return gen_xasprintf("`await %s(%s(...))`", ev->callee, ev->arg);
}

/* Evidence the event gives its own function. */
static void
event_evidence(struct gen_project *p, const struct gen_file *f,
               struct gen_func *fn, const struct gen_event *ev)
{
    const char *as = ev->callee ? ev->callee : ev->fqn;

    if (ev->region != GEN_REGION_NONE)
        return; /* a dispatch branch says nothing about the function */
    if (ev->source == GEN_SRC_LIB) {
        int scope = ev->kind == GEN_EV_SCOPE || gen_lib_is_scope(p, ev->fqn);

        add_evid_at(
            fn,
            ev->kind == GEN_EV_AWAIT ? GEN_EVK_LIB_AWAIT
            : scope                  ? GEN_EVK_SCOPE
                                     : GEN_EVK_LIB_WITH,
            ev->kind == GEN_EV_AWAIT ? GEN_TIER_LIB_AWAIT : GEN_TIER_LIB_WITH,
            ev->ctx, f->path, ev->line, ev->col,
            ev->through != NULL
                ? through_text(ev)
                : gen_xasprintf(
                      "`%s %s%s`",
                      ev->yield_from ? "yield from" : ev_verb(ev->kind), as,
                      ev->shape == GEN_SHAPE_CALL ? "(...)" : ""),
            NULL);
    }
    else if (ev->source == GEN_SRC_SHIM) {
        add_evid_at(fn, GEN_EVK_SHIM, GEN_TIER_SHIM, ev->ctx, f->path,
                    ev->line, ev->col,
                    gen_xasprintf("calls `%s`", ev->callee ? ev->callee : "?"),
                    NULL);
    }
    else if (ev->source == GEN_SRC_PROJ && ev->target->boundary &&
             ev->target != fn) {
        add_evid_at(fn, GEN_EVK_AWAIT_BOUNDARY, GEN_TIER_BCALL,
                    ev->target->iface, f->path, ev->line, ev->col,
                    gen_xasprintf("`%s %s(...)` (`@%s`)", ev_verb(ev->kind),
                                  as, ev->target->bdeco->name),
                    ev->target);
    }
}

/* A shim around a project function says which domain its author knows
 * it to be: `aio_as_trio(f)` wraps asyncio code.  Evidence for f, weaker
 * than anything f's own body or runners say. */
static void
wrapped_evidence(const struct gen_file *f, const struct gen_event *ev)
{
    struct gen_func *t = (struct gen_func *)ev->target;

    if (t == NULL || (t->flags & GEN_FN_CLASS) || !(t->flags & GEN_FN_ASYNC) ||
        t->boundary)
        return;
    add_evid_at(
        t, GEN_EVK_WRAPPED, GEN_TIER_WRAPPED,
        ev->shim == GEN_SHIM_A2T ? GEN_DOM_AIO : GEN_DOM_TRIO, f->path,
        ev->line, ev->col,
        gen_xasprintf("wrapped in `%s`", ev->callee ? ev->callee : "a shim"),
        NULL);
}

/* Whether t only awaits its first argument (`async def run(coro): return
 * await coro`), undecorated and without rebinding it: then `await t(g())`
 * awaits g's coroutine in the caller's own task. */
static int
awaits_its_argument(const struct gen_func *t)
{
    size_t pi = (t->flags & GEN_FN_METHOD) ? 1 : 0, i;
    const char *name;

    if ((t->flags & (GEN_FN_CLASS | GEN_FN_GEN)) ||
        !(t->flags & GEN_FN_ASYNC) || t->ndecos > 0 || t->nevents == 0 ||
        pi >= t->nparams || (name = t->params[pi].name) == NULL ||
        name[0] == '*')
        return 0;
    for (i = 0; i < t->nevents; i++) {
        const struct gen_event *ev = &t->events[i];

        if (ev->kind != GEN_EV_AWAIT || ev->shape != GEN_SHAPE_NAME ||
            ev->region != GEN_REGION_NONE || ev->callee == NULL ||
            strcmp(ev->callee, name) != 0)
            return 0;
    }
    return !(t->flags & GEN_FN_ARG_REBOUND) &&
           find_bind(t, name, strlen(name), UINT32_MAX, 0) == NULL;
}

/* Whether s is `name` or an attribute of it. */
static int
mentions(const char *s, const char *name)
{
    size_t n = strlen(name);

    return s != NULL && strncmp(s, name, n) == 0 &&
           (s[n] == '\0' || s[n] == '.');
}

/* Whether t's only awaits are of a call of its first parameter
 * (`async def with_ctx(func, *args): async with bridge: return await
 * func(*args)`), undecorated and without rebinding it: then
 * `await t(lambda: g(...))` and `await t(g)` await g's coroutine in the
 * caller's own task.  `async with` and `with` blocks around it change
 * nothing of that (they run in the same task), unless they are over the
 * parameter. */
static int
calls_its_argument(const struct gen_func *t)
{
    size_t pi = (t->flags & GEN_FN_METHOD) ? 1 : 0, i, calls = 0;
    const char *name;

    if ((t->flags & (GEN_FN_CLASS | GEN_FN_GEN | GEN_FN_ARG_REBOUND)) ||
        !(t->flags & GEN_FN_ASYNC) || t->ndecos > 0 || pi >= t->nparams ||
        (name = t->params[pi].name) == NULL || name[0] == '*')
        return 0;
    for (i = 0; i < t->nevents; i++) {
        const struct gen_event *ev = &t->events[i];

        if (ev->region != GEN_REGION_NONE)
            return 0;
        if (ev->kind == GEN_EV_AWAIT) {
            if (ev->shape != GEN_SHAPE_CALL || ev->callee == NULL ||
                strcmp(ev->callee, name) != 0)
                return 0;
            calls++;
        }
        else if ((ev->kind != GEN_EV_WITH && ev->kind != GEN_EV_SCOPE) ||
                 mentions(ev->callee, name) || mentions(ev->arg, name)) {
            return 0;
        }
    }
    return calls > 0;
}

/* `await t(g(...))` where t awaits its argument, or `await t(lambda:
 * g(...))` and `await t(g)` where t calls it: the event is about g, when
 * g is a library's or a project function. */
static void
through_argument(struct gen_project *p, const struct gen_file *f,
                 const struct gen_func *fn, struct gen_event *ev)
{
    const struct gen_func *t = ev->target, *g;
    char *af;
    int d, lib = 0;

    if (ev->kind != GEN_EV_AWAIT || ev->shape != GEN_SHAPE_CALL ||
        ev->arg == NULL ||
        !(ev->arg_is_call == 1 ? awaits_its_argument(t)
                               : calls_its_argument(t)))
        return;
    af = gen_project_resolve(p, f, fn, ev->arg);
    /* A name handed over (`t(g)`) only as imports and definitions name
     * it: a local's type is no function to call. */
    if (af == NULL && ev->arg_is_call)
        af = typed_name(p, f, fn, ev->arg, ev->line);
    if (af == NULL)
        return; /* unknown stays unknown */
    d = gen_lib_domain(p, f, af);
    g = d == GEN_DOM_NONE ? find_method(p, af, &lib, 0) : NULL;
    if (lib)
        d = lib;
    if (d != GEN_DOM_NONE) {
        ev->source = GEN_SRC_LIB;
        ev->ctx = (uint8_t)d;
        ev->target = NULL;
    }
    else if (g != NULL && !(g->flags & GEN_FN_CLASS) &&
             ((g->flags & GEN_FN_ASYNC) || g->boundary)) {
        ev->target = g;
    }
    else {
        free(af);
        return;
    }
    ev->through = t;
    free(ev->fqn);
    ev->fqn = af;
}

/* `Class.x.rest` where the project class's __init__ sets `self.x` to an
 * imported module: that module's `rest` (a config object's
 * `config.asyncio.sleep` is `asyncio.sleep`), else NULL. */
static char *
class_module_attr(struct gen_project *p, const char *name)
{
    const char *dot = strchr(name, '.');

    /* mod.Class.x.rest at least: most names (mod.f) stop here. */
    if (dot == NULL || strchr(dot + 1, '.') == NULL)
        return NULL;
    for (; dot != NULL; dot = strchr(dot + 1, '.')) {
        size_t nc = (size_t)(dot - name), na = strcspn(dot + 1, ".");
        char *cls = gen_xstrndup(name, nc), *k, *attr, *mod, *r;
        const struct gen_func *c = gen_find_func(p, cls, 0), *init;
        const struct gen_bind *b;

        if (c == NULL || !(c->flags & GEN_FN_CLASS) || na == 0) {
            free(cls);
            continue;
        }
        k = gen_xasprintf("%s.__init__", cls);
        free(cls);
        init = gen_find_func(p, k, 0);
        free(k);
        if (init == NULL || init->file == NULL)
            return NULL;
        attr = gen_xasprintf("self.%.*s", (int)na, dot + 1);
        b = find_bind(init, attr, strlen(attr), UINT32_MAX, 1);
        free(attr);
        if (b == NULL || b->kind != GEN_BIND_ALIAS)
            return NULL;
        mod = gen_project_resolve(p, init->file, init, b->type);
        if (mod == NULL)
            return NULL;
        r = gen_xasprintf("%s%s", mod, dot + 1 + na);
        free(mod);
        return r;
    }
    return NULL;
}

/* `assert sniffio.current_async_library() == "trio"`: the function's
 * author says where it runs, as strongly as a pytest mark does. */
static void
assert_evidence(struct gen_project *p, const struct gen_file *f,
                struct gen_func *fn, struct gen_event *ev)
{
    int dom = ev->kind == GEN_EV_ASSERT_TRIO ? GEN_DOM_TRIO : GEN_DOM_AIO;
    char *cf = ev->callee ? gen_project_resolve(p, f, fn, ev->callee) : NULL;

    if (cf == NULL || strcmp(cf, "sniffio.current_async_library") != 0 ||
        ev->region != GEN_REGION_NONE) {
        free(cf);
        return;
    }
    ev->fqn = cf;
    add_evid_at(fn, GEN_EVK_ASSERT, GEN_TIER_CONTEXT, dom, f->path, ev->line,
                ev->col,
                gen_xasprintf("`assert %s() == \"%s\"`", ev->callee,
                              dom == GEN_DOM_TRIO ? "trio" : "asyncio"),
                NULL);
}

static int
awaits_shim_coroutine(const struct gen_project *p, const struct gen_file *f,
                      const struct gen_func *fn, const struct gen_event *ev)
{
    const char *name;

    if (ev->kind != GEN_EV_AWAIT || ev->shape != GEN_SHAPE_NAME ||
        ev->callee == NULL || !runtime_shim_def(p, f, fn))
        return 0;
    name = fn->params[0].name;
    return strcmp(ev->callee, name) == 0 && !(fn->flags & GEN_FN_ARG_REBOUND);
}

static void
classify_events(struct gen_project *p, struct gen_file *f, struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->nevents; i++) {
        struct gen_event *ev = &fn->events[i];
        char *cf = NULL, *af = NULL;
        int shim = GEN_SHIM_NONE, d = GEN_DOM_NONE, resolved = 0, lib = 0;

        if (ev->kind == GEN_EV_ASSERT_AIO || ev->kind == GEN_EV_ASSERT_TRIO) {
            assert_evidence(p, f, fn, ev);
            continue;
        }
        if (ev->callee != NULL) {
            cf = gen_project_resolve(p, f, fn, ev->callee);
            /* A name no import or definition binds (a local, a
             * parameter) says nothing about a library by itself. */
            resolved = cf != NULL;
            if (cf == NULL)
                cf = gen_xstrdup(ev->callee);
        }
        if (cf != NULL && ev->shape != GEN_SHAPE_NAME)
            shim = gen_shim_of(p, cf);
        /* A project function that shares a loop method's name (an app's
         * own `run_asyncio(coro)` helper) is what its body says, not
         * trio-asyncio's shim. */
        if (shim != GEN_SHIM_NONE && resolved && !gen_is_runtime(p, cf)) {
            const struct gen_func *g = gen_find_func(p, cf, 0);

            if (g != NULL && g->file != NULL && !(g->flags & GEN_FN_CLASS))
                shim = GEN_SHIM_NONE;
        }
        if (shim != GEN_SHIM_NONE && ev->kind != GEN_EV_SCOPE) {
            ev->source = GEN_SRC_SHIM;
            ev->shim = (uint8_t)shim;
            ev->ctx = shim == GEN_SHIM_A2T ? GEN_DOM_TRIO : GEN_DOM_AIO;
            /* `aio_as_trio(lambda: g())` wraps the lambda, not g. */
            if (ev->arg != NULL && ev->arg_is_call != GEN_ARG_LAMBDA) {
                af = gen_project_resolve(p, f, fn, ev->arg);
                if (af == NULL)
                    af = typed_name(p, f, fn, ev->arg, ev->line);
                if (af == NULL)
                    af = gen_xstrdup(ev->arg);
                ev->wrapped = (uint8_t)gen_lib_domain(p, f, af);
                if (ev->wrapped == GEN_DOM_NONE)
                    ev->target = find_method(p, af, &lib, 0);
                if (lib)
                    ev->wrapped = (uint8_t)lib;
                wrapped_evidence(f, ev);
            }
            ev->fqn = af ? af : cf;
            if (af != NULL)
                free(cf);
            event_evidence(p, f, fn, ev);
            continue;
        }
        if (cf == NULL || ev->shape == GEN_SHAPE_CALLCALL) {
            free(cf);
            continue;
        }
        if (!resolved && awaits_shim_coroutine(p, f, fn, ev)) {
            ev->source = GEN_SRC_LIB;
            ev->ctx = GEN_DOM_AIO;
            ev->fqn = cf;
            event_evidence(p, f, fn, ev);
            continue;
        }
        /* `await x` inside `if isinstance(x, T):`: a T. */
        if (!resolved && ev->shape == GEN_SHAPE_NAME &&
            ev->arg_is_call == GEN_ARG_NARROWED && ev->arg != NULL) {
            char *tn = resolve_type(p, f, fn, ev->arg, 0);

            if (tn != NULL) {
                free(cf);
                cf = tn;
                resolved = 2;
            }
        }
        /* `await coro` where `coro = f(...)`: what f is. */
        if (!resolved && ev->shape == GEN_SHAPE_NAME &&
            strchr(ev->callee, '.') == NULL) {
            char *tn = bound_call(p, f, fn, ev->callee, ev->line);

            if (tn != NULL) {
                free(cf);
                cf = tn;
                resolved = 1;
            }
        }
        /* `await self.x` where self.x is a library's awaitable (a
         * cursor factory a constructor was given): that library. */
        if (resolved != 2 && ev->shape == GEN_SHAPE_NAME &&
            strncmp(ev->callee, "self.", 5) == 0 &&
            strchr(ev->callee + 5, '.') == NULL) {
            char *probe = gen_xasprintf("%s.x", ev->callee);
            char *tn = typed_name(p, f, fn, probe, ev->line);

            free(probe);
            if (tn != NULL) {
                tn[strlen(tn) - 2] = '\0';
                if (gen_lib_domain(p, f, tn) != GEN_DOM_NONE) {
                    free(cf);
                    cf = tn;
                    tn = NULL;
                    resolved = 2;
                }
                free(tn);
            }
        }
        /* `await f()` where `f = partial(g, ...)` (or `self.f`): g. */
        if (ev->shape == GEN_SHAPE_CALL) {
            size_t n = strncmp(ev->callee, "self.", 5) == 0
                           ? 5 + strcspn(ev->callee + 5, ".")
                           : strcspn(ev->callee, ".");
            const struct gen_bind *b =
                ev->callee[n] == '\0'
                    ? find_bind(fn, ev->callee, n, ev->line, n > 5)
                    : NULL;

            if (b != NULL && b->kind == GEN_BIND_ALIAS) {
                char *tn = gen_project_resolve(p, f, fn, b->type);

                if (tn == NULL)
                    tn = typed_name(p, f, fn, b->type, ev->line);
                if (tn != NULL) {
                    free(cf);
                    cf = tn;
                    resolved = 2;
                }
            }
        }
        /* `await execute(sql)` where `execute` is a test's parameter and
         * its fixture returns a function it defines: that function. */
        if (!resolved && ev->shape == GEN_SHAPE_CALL &&
            strchr(ev->callee, '.') == NULL) {
            char *probe = gen_xasprintf("%s.x", ev->callee);
            char *tn = typed_name(p, f, fn, probe, ev->line);
            const struct gen_func *g;

            free(probe);
            if (tn != NULL) {
                tn[strlen(tn) - 2] = '\0';
                g = gen_find_func(p, tn, 0);
                if (g != NULL && !(g->flags & GEN_FN_CLASS)) {
                    free(cf);
                    cf = tn;
                    tn = NULL;
                    resolved = 2;
                }
                free(tn);
            }
        }
        /* `self.x.m()`: the resolver names `Class.x.m`, but the type of
         * `self.x` is what tells. */
        if (!resolved ||
            (resolved == 1 && strncmp(ev->callee, "self.", 5) == 0 &&
             strchr(ev->callee + 5, '.') != NULL)) {
            char *tn = typed_name(p, f, fn, ev->callee, ev->line);

            if (tn != NULL) {
                free(cf);
                cf = tn;
                resolved = 1;
            }
        }
        if (resolved)
            d = gen_lib_domain(p, f, cf);
        if (d == GEN_DOM_NONE && resolved) {
            char *alt = class_module_attr(p, cf);
            int ad = alt ? gen_lib_domain(p, f, alt) : GEN_DOM_NONE;

            if (ad != GEN_DOM_NONE) {
                free(cf);
                cf = alt;
                d = ad;
            }
            else {
                free(alt);
            }
        }
        if (d == GEN_DOM_NONE && resolved && ev->kind != GEN_EV_SCOPE) {
            const struct gen_func *t = find_method(p, cf, &lib, 0);

            t = protocol_target(p, t, cf, ev->kind, &lib);
            d = lib;
            if (!lib && t != NULL && !(t->flags & GEN_FN_CLASS) &&
                ((t->flags & GEN_FN_ASYNC) || t->boundary)) {
                ev->source = GEN_SRC_PROJ;
                ev->target = t;
            }
        }
        if (d != GEN_DOM_NONE) {
            ev->source = GEN_SRC_LIB;
            ev->ctx = (uint8_t)d;
        }
        ev->fqn = cf;
        if (ev->source == GEN_SRC_PROJ)
            through_argument(p, f, fn, ev);
        event_evidence(p, f, fn, ev);
    }
}

/* ---- Parameters typed by their callers ---------------------------------- */

/* A helper's parameter with no annotation takes the type of what its
 * callers pass, when that is known and the same at every call:
 * `await run_subprocess_exec(loop)` from a test whose `loop` is the
 * fixture's asyncio loop.  Only the first argument is recorded by the
 * model, and only callers in the helper's own file count; one pass, before
 * the events are classified. */
static void
type_params_from_callers(struct gen_project *p)
{
    size_t i, j, k;

    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++) {
            struct gen_func *fn = &f->funcs[j];

            for (k = 0; k < fn->nevents; k++) {
                const struct gen_event *ev = &fn->events[k];
                char *cf, *at, *probe;
                struct gen_func *t;
                struct gen_bind *b;
                size_t pi;

                if (ev->shape != GEN_SHAPE_CALL || ev->arg == NULL ||
                    ev->callee == NULL || ev->arg_is_call)
                    continue;
                cf = gen_project_resolve(p, f, fn, ev->callee);
                t = cf ? (struct gen_func *)gen_find_func(p, cf, 0) : NULL;
                free(cf);
                /* Callers in the same file only, so that a file checked
                 * alone gets the same answer as with the whole tree. */
                if (t == NULL || !(t->flags & GEN_FN_ASYNC) ||
                    (t->flags & GEN_FN_CLASS) || t == fn || t->file != f)
                    continue;
                pi = (t->flags & GEN_FN_METHOD) ? 1 : 0;
                if (pi >= t->nparams)
                    continue;
                b = &t->params[pi];
                if (b->name == NULL || (b->type != NULL && !b->resolved))
                    continue;
                probe = gen_xasprintf("%s.x", ev->arg);
                at = typed_name(p, f, fn, probe, ev->line);
                free(probe);
                if (at != NULL)
                    at[strlen(at) - 2] = '\0'; /* drop ".x" */
                /* An attribute (`config.asyncio`) counts only where it
                 * is an imported module its class's __init__ sets. */
                if (strchr(ev->arg, '.') != NULL) {
                    char *mod = at ? class_module_attr(p, at) : NULL;

                    free(at);
                    if (mod == NULL)
                        continue;
                    at = mod;
                }
                if (b->type == NULL && at != NULL) {
                    b->type = at;
                    b->resolved = 1;
                }
                else if (b->type != NULL &&
                         (at == NULL || strcmp(at, b->type) != 0)) {
                    /* Callers disagree: unknown stays unknown. */
                    free(b->type);
                    b->type = NULL;
                    b->resolved = 2;
                    free(at);
                }
                else {
                    free(at);
                }
            }
        }
    }
}

/* The type two callers pass where they disagree: the library package
 * both are objects of (`asyncpg` for a Connection's and a Statement's
 * cursor factories), or NULL. */
static char *
common_lib(struct gen_project *p, const struct gen_file *f, const char *a,
           const char *b)
{
    size_t n = strcspn(a, ".");

    if (strncmp(a, b, n) != 0 || (b[n] != '.' && b[n] != '\0') ||
        gen_lib_domain(p, f, a) == GEN_DOM_NONE ||
        gen_lib_domain(p, f, a) != gen_lib_domain(p, f, b))
        return NULL;
    return gen_xstrndup(a, n);
}

/* A constructor call of a project class and the parameter its first
 * argument fills. */
struct ctorref {
    struct gen_file *f;
    const struct gen_ctor *c;
    struct gen_bind *param;
};

/* The parameter the ctor call c (in f) fills, or NULL (not a project
 * class, or annotated: the annotation wins). */
static struct gen_bind *
ctor_param(struct gen_project *p, const struct gen_map *classes,
           const struct gen_file *f, const struct gen_ctor *c)
{
    const struct gen_func *scope = c->func >= 0 ? &f->funcs[c->func] : NULL;
    const struct gen_func *cls, *init;
    char *cf, *k;
    int lib = 0;

    if (gen_map_get(classes, last_of(c->callee)) == NULL)
        return NULL;
    cf = gen_project_resolve(p, f, scope, c->callee);
    cls = cf ? gen_find_func(p, cf, 0) : NULL;
    if (cls == NULL || !(cls->flags & GEN_FN_CLASS)) {
        free(cf);
        return NULL;
    }
    k = gen_xasprintf("%s.__init__", cf);
    init = find_method(p, k, &lib, 0);
    free(k);
    free(cf);
    if (init == NULL || (init->flags & GEN_FN_CLASS) ||
        !(init->flags & GEN_FN_METHOD) || init->nparams < 2 ||
        init->params[1].name == NULL ||
        (init->params[1].type != NULL && !init->params[1].resolved))
        return NULL;
    return &((struct gen_func *)init)->params[1];
}

/* The type the ctor call c (in f) passes as its first argument, or
 * NULL. */
static char *
ctor_arg_type(struct gen_project *p, struct gen_file *f,
              const struct gen_ctor *c)
{
    const struct gen_func *scope = c->func >= 0 ? &f->funcs[c->func] : NULL;
    char *at = NULL;

    if (c->argkind == GEN_CTOR_CALL) {
        at = resolve_type(p, f, scope, c->arg, 0);
    }
    else if (c->argkind == GEN_CTOR_NAME || c->argkind == GEN_CTOR_AWAITED) {
        char *probe = gen_xasprintf("%s.x", c->arg);

        at = typed_name(p, f, scope, probe, c->line);
        free(probe);
        if (at != NULL)
            at[strlen(at) - 2] = '\0'; /* drop ".x" */
        /* Awaiting a project object gives something else. */
        if (at != NULL && c->argkind == GEN_CTOR_AWAITED &&
            gen_lib_domain(p, f, at) == GEN_DOM_NONE) {
            free(at);
            at = NULL;
        }
    }
    return at;
}

/* A class's constructor parameter takes the type of what its callers
 * pass, when every call the project makes passes a known type and they
 * agree (or are objects of one library): `self.redis = redis` in
 * `Database.__init__` is aioredis's when every `Database(redis)` passes
 * aioredis's client.  Only the first positional parameter.  Arguments
 * typed by other constructors' parameters are found by going round
 * until nothing changes, optimistically (an unknown argument waits);
 * then every call is checked again, and a parameter any call passes
 * something unknown or different to becomes unknown, until that too
 * settles. */
static void
type_params_from_ctors(struct gen_project *p)
{
    struct gen_map classes = {0};
    struct ctorref *refs = NULL;
    size_t i, j, nrefs = 0, caprefs = 0;
    int pass, changed, checking;

    /* Most capitalised calls are of library classes: look only at those
     * whose name some project class has. */
    for (i = 0; i < p->nfiles; i++)
        for (j = 0; j < p->files[i]->nfuncs; j++)
            if (p->files[i]->funcs[j].flags & GEN_FN_CLASS)
                gen_map_put(&classes, p->files[i]->funcs[j].name, (void *)1);
    for (i = 0; i < p->nfiles; i++)
        for (j = 0; j < p->files[i]->nctors; j++) {
            struct ctorref r;

            r.f = p->files[i];
            r.c = &p->files[i]->ctors[j];
            r.param = ctor_param(p, &classes, r.f, r.c);
            if (r.param != NULL)
                GEN_PUSH(refs, nrefs, caprefs, r);
        }
    gen_map_free(&classes);
    for (checking = 0; checking < 2; checking++) {
        changed = 1;
        for (pass = 0; changed && pass < 8; pass++) {
            changed = 0;
            for (i = 0; i < nrefs; i++) {
                struct gen_bind *b = refs[i].param;
                char *at, *both;

                if (b->resolved == 2)
                    continue;
                at = ctor_arg_type(p, refs[i].f, refs[i].c);
                if (at != NULL && b->type == NULL) {
                    b->type = at;
                    b->resolved = 1;
                    changed = 1;
                    continue;
                }
                if (at == NULL && !checking)
                    continue; /* may be known on a later round */
                if (at != NULL && strcmp(at, b->type) == 0) {
                    free(at);
                    continue;
                }
                both = at ? common_lib(p, refs[i].f, at, b->type) : NULL;
                if (both != NULL && strcmp(both, b->type) == 0) {
                    free(both);
                    free(at);
                    continue;
                }
                free(b->type);
                b->type = both;
                b->resolved = both ? 1 : 2;
                changed = 1;
                free(at);
            }
        }
    }
    free(refs);
}

/* ---- Runners ------------------------------------------------------------ */

/* Evidence that runners give the functions handed to them, wherever the
 * call is: `trio.run(main)` makes main Trio. */
static void
classify_calls(struct gen_project *p, struct gen_file *f)
{
    size_t i;

    for (i = 0; i < f->ncalls; i++) {
        struct gen_call *c = &f->calls[i];
        const struct gen_func *scope = c->func >= 0 ? &f->funcs[c->func] : 0;
        char *fqn = gen_project_resolve(p, f, scope, c->callee), *af;
        const struct gen_func *t;
        int d;

        if (fqn == NULL)
            fqn = typed_name(p, f, scope, c->callee, c->line);
        if (fqn != NULL && gen_is_runtime(p, fqn) &&
            strcmp(last_of(fqn), "allow_asyncio") == 0) {
            /* It may await both worlds: trio-asyncio lets it. */
            af = gen_project_resolve(p, f, scope, c->arg);
            t = af ? gen_find_func(p, af, 0) : NULL;
            if (t != NULL)
                ((struct gen_func *)t)->flags |= GEN_FN_HYBRID;
            free(af);
            free(fqn);
            continue;
        }
        d = gen_entry_domain(p, fqn, c->callee);
        free(fqn);
        if (d == GEN_DOM_NONE)
            continue;
        af = gen_project_resolve(p, f, scope, c->arg);
        t = af ? gen_find_func(p, af, 0) : NULL;
        free(af);
        if (t == NULL || !(t->flags & GEN_FN_ASYNC) ||
            (t->flags & GEN_FN_CLASS))
            continue;
        c->dom = (uint8_t)d;
        c->target = t;
        /* A dispatch branch hands it to each library in turn: checked at
         * the call, no evidence for the function. */
        if (c->region != GEN_REGION_NONE)
            continue;
        /* The callee is const everywhere else; evidence is the one thing
         * added to other functions. */
        add_evid_at((struct gen_func *)t, GEN_EVK_ENTRY, GEN_TIER_RUNNER, d,
                    f->path, c->line, c->col,
                    gen_xasprintf("handed to `%s`", c->callee), NULL);
    }
}

/* ---- Deciding ----------------------------------------------------------- */

/* Which worlds a module's absolute imports come from (enum gen_domain),
 * or -1 when it imports the runtime: a module that imports trio_asyncio
 * bridges the two, so its imports say nothing about one function. */
static int
module_worlds(struct gen_project *p, const struct gen_file *f)
{
    size_t i;
    int d = 0;

    for (i = 0; i < f->nimports; i++) {
        const struct gen_import *im = &f->imports[i];

        if (im->level != 0)
            continue;
        if (gen_is_runtime(p, im->module))
            return -1;
        d |= gen_lib_domain(p, f, im->module);
    }
    return d;
}

/* Whether pytest collects fn as a test or a fixture: test* functions
 * (top level or in Test* classes) of test_*.py / *_test.py files, and
 * fixtures anywhere (conftest.py). */
static int
pytest_collects(const struct gen_file *f, const struct gen_func *fn)
{
    const char *base = strrchr(f->path, '/');
    size_t i, n;

    base = base ? base + 1 : f->path;
    n = strlen(base);
    for (i = 0; i < fn->ndecos; i++) {
        const char *d = fn->decos[i].name;

        if (d != NULL && (strcmp(last_of(d), "fixture") == 0 ||
                          strcmp(last_of(d), "trio_fixture") == 0))
            return 1;
    }
    if (!(strncmp(base, "test_", 5) == 0 ||
          (n > 8 && strcmp(base + n - 8, "_test.py") == 0)))
        return 0;
    if (strncmp(fn->name, "test", 4) != 0)
        return 0;
    if (strchr(fn->qualname, '.') == NULL)
        return 1;
    return (fn->flags & GEN_FN_METHOD) &&
           strncmp(fn->qualname, "Test", 4) == 0 &&
           strchr(strchr(fn->qualname, '.') + 1, '.') == NULL;
}

/* The directory of a file, for pytest's configuration. */
static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? gen_xstrndup(path, (size_t)(slash - path))
                 : gen_xstrdup(".");
}

static void
config_evidence(struct gen_project *p, struct gen_file *f, struct gen_func *fn,
                int *mode, const char **where)
{
    const struct gen_modrule *m;

    if (p->config == NULL)
        return;
    m = f->modname[0] ? gen_config_match(p->config->defaults,
                                         p->config->ndefaults, f->modname)
                      : NULL;
    if (m != NULL)
        add_evid(
            fn, GEN_EVK_DEFAULT, GEN_TIER_DEFAULT, m->dom, p->config->path, 0,
            gen_xasprintf("[tool.trioaio-gen.domains] `%s`", m->module), NULL);
    if (*mode < 0) {
        char *dir = dir_of(f->path);

        *mode = gen_config_pytest_mode(p->config, dir, where);
        free(dir);
    }
    if (*mode != GEN_DOM_NONE && pytest_collects(f, fn))
        add_evid(fn, GEN_EVK_PYTEST_MODE, GEN_TIER_CONTEXT, *mode, *where, 0,
                 gen_xstrdup(*mode == GEN_DOM_TRIO ? "pytest-trio's "
                                                     "`trio_mode = true`"
                                                   : "pytest-asyncio's "
                                                     "`asyncio_mode = auto`"),
                 NULL);
}

static void
module_evidence(struct gen_file *f, struct gen_func *fn, int worlds)
{
    if (f->pragma_dom)
        add_evid(
            fn, GEN_EVK_PRAGMA, GEN_TIER_DEFAULT, f->pragma_dom, f->path,
            f->pragma_line,
            gen_xasprintf("`# trioaio-gen: domain=%s`",
                          f->pragma_dom == GEN_DOM_AIO ? "asyncio" : "trio"),
            NULL);
    if (worlds == GEN_DOM_AIO || worlds == GEN_DOM_TRIO)
        add_evid(fn, GEN_EVK_MODULE, GEN_TIER_MODULE, worlds, f->path, 1,
                 gen_xstrdup(worlds == GEN_DOM_AIO
                                 ? "the module imports asyncio, not Trio"
                                 : "the module imports Trio, not asyncio"),
                 NULL);
}

/* Per tier and domain: how many pieces of evidence, and the first. */
struct tally {
    size_t n[GEN_TIER_BOUNDARY + 1][4];
    const struct gen_evid *first[GEN_TIER_BOUNDARY + 1][4];
};

static void
tally(const struct gen_func *fn, struct tally *t)
{
    size_t i;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < fn->nevid; i++) {
        const struct gen_evid *e = &fn->evid[i];

        if (t->n[e->tier][e->dom]++ == 0)
            t->first[e->tier][e->dom] = e;
    }
}

/* The decision from tier `from` down to `to`: the first tier with any
 * evidence decides; where both domains appear, the majority of deliberate
 * evidence (shims, boundary calls) wins, a tie looks further down, and
 * anything else is mixed.  Sets *a and *t to the first evidence of the
 * domains decided; returns the tier, or GEN_TIER_NONE. */
static int
resolve_tiers(const struct tally *tl, int from, int to,
              const struct gen_evid **a, const struct gen_evid **t)
{
    int tier, tie = GEN_TIER_NONE;

    *a = *t = NULL;
    for (tier = from; tier >= to && tier > GEN_TIER_NONE; tier--) {
        size_t na = tl->n[tier][GEN_DOM_AIO], nt = tl->n[tier][GEN_DOM_TRIO];
        int deliberate = tier == GEN_TIER_SHIM || tier == GEN_TIER_BCALL;

        if (na == 0 && nt == 0)
            continue;
        if (na && nt && deliberate && na == nt) {
            if (tie == GEN_TIER_NONE)
                tie = tier;
            continue;
        }
        if (na && nt && !deliberate) {
            *a = tl->first[tier][GEN_DOM_AIO];
            *t = tl->first[tier][GEN_DOM_TRIO];
            return tier;
        }
        if (na > nt)
            *a = tl->first[tier][GEN_DOM_AIO];
        else
            *t = tl->first[tier][GEN_DOM_TRIO];
        return tier;
    }
    if (tie != GEN_TIER_NONE) {
        *a = tl->first[tie][GEN_DOM_AIO];
        *t = tl->first[tie][GEN_DOM_TRIO];
    }
    return tie;
}

static void
decide(struct gen_func *fn)
{
    const struct gen_evid *a, *t;
    struct tally tl;
    size_t i;
    int tier;

    tally(fn, &tl);
    if (tl.n[GEN_TIER_BOUNDARY][GEN_DOM_AIO] +
        tl.n[GEN_TIER_BOUNDARY][GEN_DOM_TRIO]) {
        fn->tier = GEN_TIER_BOUNDARY;
        for (i = 0; i < fn->nevid; i++)
            if (fn->evid[i].kind == GEN_EVK_BOUNDARY)
                fn->why = &fn->evid[i];
        return;
    }
    tier = resolve_tiers(&tl, GEN_TIER_CONTEXT, GEN_TIER_PROPAGATED, &a, &t);
    if (tier == GEN_TIER_RUNNER && !(a && t)) {
        const struct gen_evid *ba, *bt;
        int bier =
            resolve_tiers(&tl, GEN_TIER_SHIM, GEN_TIER_LIB_WITH, &ba, &bt);

        /* The body says one thing, the runner the other. */
        if (bier != GEN_TIER_NONE && !(ba && bt) &&
            (ba ? t != NULL : a != NULL)) {
            a = ba;
            t = bt;
            tier = bier;
        }
    }
    fn->tier = (uint8_t)tier;
    if (tier == GEN_TIER_NONE)
        return;
    fn->domain = (uint8_t)((a ? GEN_DOM_AIO : 0) | (t ? GEN_DOM_TRIO : 0));
    if (a && t) {
        /* TA003 is reported at the later of the two. */
        int aio_first = a->line < t->line || (a->line == t->line && a < t);

        fn->why = aio_first ? a : t;
        fn->clash = aio_first ? t : a;
    }
    else {
        fn->why = a ? a : t;
    }
    /* A domain taken from the module's imports alone is used to check the
     * function's own body, but is not evidence for its callers. */
    fn->iface = (fn->domain == GEN_DOM_MIXED || tier == GEN_TIER_MODULE)
                    ? GEN_DOM_NONE
                    : fn->domain;
}

/* The domain the project functions fn awaits agree on (ORed). */
static int
proj_evidence(const struct gen_func *fn)
{
    size_t i;
    int d = 0;

    for (i = 0; i < fn->nevents; i++) {
        const struct gen_event *ev = &fn->events[i];

        if (ev->source == GEN_SRC_PROJ && ev->target != fn &&
            ev->region == GEN_REGION_NONE &&
            (ev->target->iface == GEN_DOM_AIO ||
             ev->target->iface == GEN_DOM_TRIO))
            d |= ev->target->iface;
    }
    return d;
}

static int
undecided(const struct gen_func *fn)
{
    return (fn->flags & GEN_FN_ASYNC) && !(fn->flags & GEN_FN_CLASS) &&
           fn->tier == GEN_TIER_NONE;
}

/* Weakest of all: the project functions it awaits, followed across the
 * project until nothing changes.  Only functions with no other evidence
 * take part; then their evidence records the callees that decided. */
static void
propagate(struct gen_project *p)
{
    size_t i, j, k;
    int pass, changed = 1;

    for (pass = 0; changed && pass < FIXPOINT_PASSES; pass++) {
        changed = 0;
        for (i = 0; i < p->nfiles; i++) {
            struct gen_file *f = p->files[i];

            for (j = 0; j < f->nfuncs; j++) {
                struct gen_func *fn = &f->funcs[j];
                int d, iface;

                if (!undecided(fn))
                    continue;
                d = proj_evidence(fn);
                iface = d == GEN_DOM_MIXED ? GEN_DOM_NONE : d;
                if (d != fn->domain || iface != fn->iface) {
                    fn->domain = (uint8_t)d;
                    fn->iface = (uint8_t)iface;
                    changed = 1;
                }
            }
        }
    }
    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++) {
            struct gen_func *fn = &f->funcs[j];
            int seen = 0;

            if (!undecided(fn) || fn->domain == GEN_DOM_NONE)
                continue;
            for (k = 0; k < fn->nevents; k++) {
                const struct gen_event *ev = &fn->events[k];
                int d;

                if (ev->source != GEN_SRC_PROJ || ev->target == fn ||
                    ev->region != GEN_REGION_NONE)
                    continue;
                d = ev->target->iface;
                if ((d != GEN_DOM_AIO && d != GEN_DOM_TRIO) || (seen & d))
                    continue;
                seen |= d;
                add_evid(fn, GEN_EVK_PROPAGATED, GEN_TIER_PROPAGATED, d,
                         f->path, ev->line,
                         gen_xasprintf("`%s %s` (%s)", ev_verb(ev->kind),
                                       ev->callee, gen_domain_name(d)),
                         ev->target);
            }
            decide(fn);
        }
    }
}

/* ---- Interfaces of methods ---------------------------------------------- */

/* Whether fn's own evidence fixes its interface: a boundary decorator or
 * strong evidence from its body or the way it is run. */
static int
strong_iface(const struct gen_func *fn)
{
    return (fn->flags & GEN_FN_ASYNC) && !(fn->flags & GEN_FN_CLASS) &&
           (fn->boundary || fn->tier >= GEN_TIER_LIB_WITH) &&
           (fn->iface == GEN_DOM_AIO || fn->iface == GEN_DOM_TRIO);
}

/* Mark the functions that functions with asyncio evidence of their own
 * await directly: their callers are asyncio code. */
static void
mark_aio_callers(struct gen_project *p)
{
    size_t i, j, k;

    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++) {
            const struct gen_func *fn = &f->funcs[j];

            if (fn->domain != GEN_DOM_AIO || fn->tier <= GEN_TIER_MODULE)
                continue;
            for (k = 0; k < fn->nevents; k++) {
                const struct gen_event *ev = &fn->events[k];

                if (ev->source == GEN_SRC_PROJ && ev->target != fn &&
                    ev->region == GEN_REGION_NONE)
                    ((struct gen_func *)ev->target)->flags |=
                        GEN_FN_AIO_CALLER;
            }
        }
    }
}

/* `async with` calls __aenter__ and __aexit__ in the same task, so the
 * two have one interface domain: a boundary-decorated partner fixes it
 * (CONTEXT: it outranks m's body, whose crossings are then reported); a
 * partner with strong evidence of its own only fills a gap. */
static void
protocol_evidence(const struct gen_file *f, struct gen_func *m,
                  const struct gen_func *partner)
{
    if (m->boundary || !(m->flags & GEN_FN_ASYNC) || !strong_iface(partner))
        return;
    if (!partner->boundary && m->tier >= GEN_TIER_LIB_WITH)
        return; /* both decided by their bodies: nothing to add */
    add_evid(m, GEN_EVK_PROTOCOL,
             partner->boundary ? GEN_TIER_CONTEXT : GEN_TIER_WRAPPED,
             partner->iface, f->path, partner->line,
             gen_xasprintf("its partner `%s` is %s-facing", partner->name,
                           gen_domain_name(partner->iface)),
             partner);
    m->clash = NULL;
    decide(m);
}

/* The methods of the class at f->funcs[ci] are the definitions after it
 * whose qualname is `Class.name` (nested ones follow their method). */
static void
class_evidence(struct gen_project *p, struct gen_file *f, size_t ci,
               int worlds)
{
    const struct gen_func *cls = &f->funcs[ci];
    size_t qn = strlen(cls->qualname), j, end, nb = 0, bad = 0;
    struct gen_func *enter = NULL, *exit_ = NULL;
    const struct gen_func *first = NULL;

    (void)p;
    for (end = ci + 1; end < f->nfuncs; end++) {
        const char *q = f->funcs[end].qualname;

        if (strncmp(q, cls->qualname, qn) != 0 || q[qn] != '.')
            break;
    }
    for (j = ci + 1; j < end; j++) {
        struct gen_func *m = &f->funcs[j];

        if (!(m->flags & GEN_FN_METHOD) || !(m->flags & GEN_FN_ASYNC) ||
            strchr(m->qualname + qn + 1, '.') != NULL)
            continue;
        if (strcmp(m->name, "__aenter__") == 0)
            enter = m;
        else if (strcmp(m->name, "__aexit__") == 0)
            exit_ = m;
        if (m->boundary == GEN_SHIM_A2T) {
            if (first == NULL)
                first = m;
            nb++;
        }
        else if (strong_iface(m) && m->iface != GEN_DOM_TRIO) {
            bad++;
        }
    }
    if (enter != NULL && exit_ != NULL) {
        protocol_evidence(f, enter, exit_);
        protocol_evidence(f, exit_, enter);
    }
    /* A class whose methods are adapted for Trio callers with
     * @aio_as_trio, in a module that bridges the two (it imports the
     * runtime), and none of whose methods is asyncio-facing: its other
     * async methods are for Trio callers too, unless asyncio code of the
     * project awaits them. */
    if (nb == 0 || bad > 1 || worlds != -1)
        return;
    for (j = ci + 1; j < end; j++) {
        struct gen_func *m = &f->funcs[j];
        int self_bad =
            !m->boundary && strong_iface(m) && m->iface != GEN_DOM_TRIO;

        if (bad - (size_t)self_bad != 0)
            continue;
        if (!(m->flags & GEN_FN_METHOD) || !(m->flags & GEN_FN_ASYNC) ||
            m->boundary || (m->flags & GEN_FN_AIO_CALLER) ||
            (m->flags & GEN_FN_GEN) || m->acm ||
            strchr(m->qualname + qn + 1, '.') != NULL ||
            (m->tier >= GEN_TIER_LIB_WITH && m->domain == GEN_DOM_TRIO))
            continue;
        add_evid(m, GEN_EVK_CLASS, GEN_TIER_CONTEXT, GEN_DOM_TRIO, f->path,
                 first->bdeco->line,
                 gen_xasprintf(
                     "a method of `%s`, whose %s `%s` %s "
                     "`@%s` for Trio callers",
                     cls->name, nb > 1 ? "methods such as" : "method",
                     first->name, nb > 1 ? "are" : "is", first->bdeco->name),
                 first);
        m->clash = NULL;
        decide(m);
    }
}

static void
interface_pass(struct gen_project *p)
{
    size_t i, j;

    mark_aio_callers(p);
    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];
        int worlds = -2;

        for (j = 0; j < f->nfuncs; j++) {
            if (!(f->funcs[j].flags & GEN_FN_CLASS))
                continue;
            if (worlds == -2)
                worlds = module_worlds(p, f);
            class_evidence(p, f, j, worlds);
        }
    }
}

/* The per-file stages of the analysis, in order; each runs once per file
 * (a file woken later runs the stages the others are through). */
static void
stage_decos(struct gen_project *p, struct gen_file *f)
{
    size_t j;

    for (j = 0; j < f->nfuncs; j++) {
        f->funcs[j].file = f;
        classify_decorators(p, f, &f->funcs[j]);
    }
    f->stages |= GEN_STAGE_DECOS;
}

static void
stage_events(struct gen_project *p, struct gen_file *f)
{
    size_t j;

    f->stages |= GEN_STAGE_EVENTS;
    for (j = 0; j < f->nfuncs; j++)
        classify_events(p, f, &f->funcs[j]);
    classify_calls(p, f);
}

static void
stage_decide(struct gen_project *p, struct gen_file *f)
{
    int worlds, mode = -1;
    const char *where = NULL;
    size_t j;

    f->stages |= GEN_STAGE_DECIDE;
    worlds = module_worlds(p, f);
    for (j = 0; j < f->nfuncs; j++) {
        struct gen_func *fn = &f->funcs[j];

        if (!(fn->flags & GEN_FN_ASYNC) || (fn->flags & GEN_FN_CLASS))
            continue;
        config_evidence(p, f, fn, &mode, &where);
        module_evidence(f, fn, worlds);
        decide(fn);
    }
}

/* Run on every file not dormant (and not through it) the stage `s`. */
static void
run_stage(struct gen_project *p, unsigned s,
          void (*fn)(struct gen_project *, struct gen_file *))
{
    size_t i;

    p->stage |= s;
    for (i = 0; i < p->nfiles; i++)
        if (!p->files[i]->dormant && !(p->files[i]->stages & s))
            fn(p, p->files[i]);
}

/* A file woken during the analysis: the stages already begun.  The ones
 * that look at every file at once (constructor and caller typing, the
 * interface and propagation passes) are not repeated; what a woken file
 * could add to them is why it was woken first (wake_constructors). */
static void
catch_up(struct gen_project *p, struct gen_file *f)
{
    if ((p->stage & GEN_STAGE_DECOS) && !(f->stages & GEN_STAGE_DECOS))
        stage_decos(p, f);
    if ((p->stage & GEN_STAGE_EVENTS) && !(f->stages & GEN_STAGE_EVENTS))
        stage_events(p, f);
    if ((p->stage & GEN_STAGE_DECIDE) && !(f->stages & GEN_STAGE_DECIDE))
        stage_decide(p, f);
}

static int
has_hash(const uint64_t *h, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (h[mid] == x)
            return 1;
        if (h[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Whether `name` is n or begins with n and a dot. */
static int
names_or_under(const char *name, const char *n)
{
    size_t k = strlen(n);

    return name != NULL && strncmp(name, n, k) == 0 &&
           (name[k] == '\0' || name[k] == '.');
}

/* The index of the `__init__` of the class at f->funcs[ci], or -1. */
static long
init_of(const struct gen_file *f, size_t ci)
{
    const char *q = f->funcs[ci].qualname;
    size_t j, n = strlen(q);

    for (j = ci + 1; j < f->nfuncs; j++) {
        const char *g = f->funcs[j].qualname;

        if (strncmp(g, q, n) == 0 && g[n] == '.' &&
            strcmp(g + n + 1, "__init__") == 0)
            return (long)j;
    }
    return -1;
}

/* What makes a class's constructor typing matter (wake_constructors). */
struct ctor_rel {
    struct gen_map classes; /* names of classes where it does */
    struct gen_map coros;   /* names of the async functions parsed */
};

/* Whether the function at f->funcs[fi] reads the name `n` in a way the
 * index follows: an event on it; a runner call on it that hands over
 * what may be a coroutine function; a binding of it that is read so in
 * turn; an argument of a constructor of a class in r->classes. */
static int
reads_name(const struct gen_file *f, size_t fi, const char *n,
           const struct ctor_rel *r, int depth)
{
    const struct gen_func *fn = &f->funcs[fi];
    size_t i;

    for (i = 0; i < fn->nevents; i++)
        if (names_or_under(fn->events[i].callee, n) ||
            names_or_under(fn->events[i].arg, n))
            return 1;
    for (i = 0; depth < 4 && i < fn->nbinds; i++)
        if (names_or_under(fn->binds[i].type, n) &&
            strcmp(fn->binds[i].name, n) != 0 &&
            reads_name(f, fi, fn->binds[i].name, r, depth + 1))
            return 1;
    for (i = 0; i < f->ncalls; i++)
        if (f->calls[i].func == (long)fi && f->calls[i].arg != NULL &&
            gen_map_get(&r->coros, last_of(f->calls[i].arg)) != NULL &&
            (names_or_under(f->calls[i].arg, n) ||
             names_or_under(f->calls[i].callee, n)))
            return 1;
    for (i = 0; i < f->nctors; i++)
        if (f->ctors[i].func == (long)fi &&
            names_or_under(f->ctors[i].arg, n) &&
            gen_map_get(&r->classes, last_of(f->ctors[i].callee)) != NULL)
            return 1;
    return 0;
}

/* Whether typing the first parameter of the constructor at f->funcs[ii]
 * can change anything: it has no annotation, and the constructor, or a
 * method through a binding of it (`self.x = x`), reads it as the index
 * follows (reads_name). */
static int
ctor_param_used(const struct gen_file *f, long ii, const struct ctor_rel *r)
{
    const struct gen_func *init = &f->funcs[ii];
    size_t i, j;

    if (init->nparams < 2 || init->params[1].name == NULL ||
        (init->params[1].type != NULL && !init->params[1].resolved))
        return 0;
    if (reads_name(f, (size_t)ii, init->params[1].name, r, 0))
        return 1;
    for (i = 0; i < f->nfuncs; i++)
        for (j = 0; j < f->funcs[i].nbinds; j++) {
            const struct gen_bind *b = &f->funcs[i].binds[j];

            if (b->kind == GEN_BIND_PARAM && b->site == ii &&
                reads_name(f, i, b->name, r, 0))
                return 1;
        }
    return 0;
}

/* Whether the class at f->funcs[ci] matters for constructor typing (see
 * wake_constructors). */
static int
ctor_matters(const struct gen_file *f, size_t ci, const struct ctor_rel *r)
{
    const struct gen_map *rel = &r->classes;
    const struct gen_func *fn = &f->funcs[ci];
    long ii;
    size_t k;

    if (!(fn->flags & GEN_FN_CLASS) || fn->name[0] < 'A' || fn->name[0] > 'Z')
        return 0;
    ii = init_of(f, ci);
    if (ii >= 0)
        return ctor_param_used(f, ii, r);
    /* Its constructor is a base's. */
    for (k = 0; k < fn->nparams; k++)
        if (fn->params[k].type != NULL &&
            gen_map_get(rel, last_of(fn->params[k].type)) != NULL)
            return 1;
    return 0;
}

/* A class whose constructor typing matters, and the hashes of the top
 * packages it can be imported from. */
struct relcls {
    const char *name; /* borrowed from the map */
    uint64_t h;
    uint64_t *tops;
    size_t ntops, cap;
};

static void
relcls_add_top(struct relcls *c, const struct gen_file *f)
{
    GEN_PUSH(c->tops, c->ntops, c->cap,
             gen_hash(f->modname, strcspn(f->modname, ".")));
}

/* The top packages of the parsed modules a call of c may reach it
 * through: those that define it (where it matters), and those that
 * import it by name (`from .subprocess import Process`) from one of
 * them, to a fixed point. */
static void
chain_tops(struct gen_project *p, struct relcls *c, const struct ctor_rel *r)
{
    struct gen_map mods = {0};
    size_t i, j;
    int grew = 1;

    for (i = 0; i < p->nfiles; i++) {
        const struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++)
            if (strcmp(f->funcs[j].name, c->name) == 0 &&
                gen_map_get(&mods, f->modname) == NULL &&
                ctor_matters(f, j, r)) {
                gen_map_put(&mods, f->modname, (void *)1);
                relcls_add_top(c, f);
            }
    }
    while (grew) {
        grew = 0;
        for (i = 0; i < p->nfiles; i++) {
            const struct gen_file *f = p->files[i];

            for (j = 0; j < f->nimports; j++) {
                const struct gen_import *im = &f->imports[j];
                char *mod;

                if (im->name == NULL || strcmp(im->name, c->name) != 0 ||
                    gen_map_get(&mods, f->modname) != NULL)
                    continue;
                mod = gen_import_module(f, im);
                if (mod != NULL && gen_map_get(&mods, mod) != NULL) {
                    gen_map_put(&mods, f->modname, (void *)1);
                    relcls_add_top(c, f);
                    grew = 1;
                }
                free(mod);
            }
        }
    }
    gen_map_free(&mods);
}

/* Whether the dormant file f may call the class c: it names it (as a
 * capitalised word), and it can reach a module that defines or imports
 * it: one of its package (a relative import), or one whose top package
 * it names on a line with `import`.  A module that only re-exports c
 * imports it by name, so the modules on the way all count. */
static int
may_construct(const struct gen_file *f, const struct relcls *c)
{
    size_t i, n = strcspn(f->modname, ".");
    uint64_t own = gen_hash(f->modname, n);

    if (!has_hash(f->caps, f->ncaps, c->h))
        return 0;
    for (i = 0; i < c->ntops; i++)
        if (c->tops[i] == own || has_hash(f->caps, f->ncaps, c->tops[i]))
            return 1;
    return 0;
}

/* Wake the dormant files that may construct a class whose constructor
 * typing matters: type_params_from_ctors counts every call the project
 * makes, and a call in a file nobody imports is found only this way.
 * Such a class is one of a parsed file whose __init__'s first parameter
 * is read as the index follows, or one that inherits such an __init__;
 * a dormant file is woken when it holds one of their names as a
 * capitalised word, and what it defines may add names, until none is
 * left.  The classes of files still dormant cannot matter: only code of
 * their own file reads their constructors' parameters, it has no
 * coroutine and no runner, and a constructor call it makes of a class
 * that matters woke it. */
static void
wake_constructors(struct gen_project *p)
{
    struct ctor_rel r = {{0}, {0}};
    struct gen_map *rel = &r.classes;

    for (;;) {
        struct relcls *cls = NULL;
        size_t ncls = 0, capcls = 0, i, j, k, woke = 0;
        int grew = 1;

        for (i = 0; i < p->nfiles; i++)
            for (j = 0; j < p->files[i]->nfuncs; j++)
                if ((p->files[i]->funcs[j].flags &
                     (GEN_FN_ASYNC | GEN_FN_CLASS)) == GEN_FN_ASYNC)
                    gen_map_put(&r.coros, p->files[i]->funcs[j].name,
                                (void *)1);
        while (grew) {
            grew = 0;
            for (i = 0; i < p->nfiles; i++) {
                const struct gen_file *f = p->files[i];

                for (j = 0; j < f->nfuncs; j++)
                    if (gen_map_get(rel, f->funcs[j].name) == NULL &&
                        ctor_matters(f, j, &r)) {
                        gen_map_put(rel, f->funcs[j].name, (void *)1);
                        grew = 1;
                    }
            }
        }
        for (i = 0; i < rel->cap; i++)
            if (rel->keys[i] != NULL) {
                struct relcls c = {0};

                c.name = rel->keys[i];
                c.h = rel->hashes[i];
                GEN_PUSH(cls, ncls, capcls, c);
            }
        /* Where each can be imported from: the modules that define it
         * (where it matters), and those that import it by name from one
         * of them, and so on. */
        for (k = 0; k < ncls; k++)
            chain_tops(p, &cls[k], &r);
        for (i = 0; i < p->nfiles; i++) {
            struct gen_file *f = p->files[i];

            for (k = 0; f->dormant && k < ncls; k++)
                if (may_construct(f, &cls[k])) {
                    gen_project_wake(p, f);
                    woke++;
                }
        }
        for (k = 0; k < ncls; k++)
            free(cls[k].tops);
        free(cls);
        if (woke == 0)
            break;
    }
    gen_map_free(&r.classes);
    gen_map_free(&r.coros);
}

void
gen_project_analyse(struct gen_project *p)
{
    p->catch_up = catch_up;
    gen_project_load_imported(p);
    if (p->lazy)
        wake_constructors(p);
    run_stage(p, GEN_STAGE_DECOS, stage_decos);
    type_params_from_callers(p);
    type_params_from_ctors(p);
    run_stage(p, GEN_STAGE_EVENTS, stage_events);
    run_stage(p, GEN_STAGE_DECIDE, stage_decide);
    interface_pass(p);
    propagate(p);
}
