#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "util.h"

/* How many re-export hops a name may take (from .impl import f). */
#define RESOLVE_DEPTH 6
/* Upper bound on domain propagation passes; each pass settles at least one
 * more call-graph layer, and real call chains are shallow. */
#define FIXPOINT_PASSES 64

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

/* ---- Names ------------------------------------------------------------- */

/* The package a relative import of `level` dots refers to, or NULL. */
static char *
rel_package(const struct gen_file *f, unsigned level)
{
    char *pkg = gen_xstrdup(f->modname);
    char *dot;

    if (!f->is_init) {
        dot = strrchr(pkg, '.');
        if (dot == NULL)
            pkg[0] = '\0';
        else
            *dot = '\0';
    }
    while (level-- > 1) {
        if (pkg[0] == '\0') {
            free(pkg);
            return NULL;
        }
        dot = strrchr(pkg, '.');
        if (dot == NULL)
            pkg[0] = '\0';
        else
            *dot = '\0';
    }
    return pkg;
}

/* The absolute module an import statement names. */
char *
gen_import_module(const struct gen_file *f, const struct gen_import *im)
{
    char *pkg, *r;

    if (im->level == 0)
        return gen_xstrdup(im->module);
    pkg = rel_package(f, im->level);
    if (pkg == NULL)
        return NULL;
    if (pkg[0] == '\0' || im->module[0] == '\0')
        r = gen_xasprintf("%s%s", pkg, im->module);
    else
        r = gen_xasprintf("%s.%s", pkg, im->module);
    free(pkg);
    return r;
}

/* What the local name `first` (n bytes) is bound to by f's imports. */
static char *
import_target(const struct gen_file *f, const char *first, size_t n)
{
    size_t i;

    /* The last binding wins, as at run time for top-level imports. */
    for (i = f->nimports; i-- > 0;) {
        const struct gen_import *im = &f->imports[i];
        char *mod, *r;

        if (strncmp(im->local, first, n) != 0 || im->local[n] != '\0')
            continue;
        mod = gen_import_module(f, im);
        if (mod == NULL)
            return NULL;
        if (im->name == NULL)
            return mod;
        r = mod[0] ? gen_xasprintf("%s.%s", mod, im->name)
                   : gen_xstrdup(im->name);
        free(mod);
        return r;
    }
    return NULL;
}

static const struct gen_func *
top_level_def(const struct gen_file *f, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < f->nfuncs; i++) {
        const struct gen_func *fn = &f->funcs[i];

        if (strncmp(fn->qualname, name, n) == 0 && fn->qualname[n] == '\0')
            return fn;
    }
    return NULL;
}

char *
gen_project_resolve(const struct gen_project *p, const struct gen_file *f,
                    const struct gen_func *fn, const char *dotted)
{
    size_t n = strcspn(dotted, ".");
    const char *rest = dotted + n;
    char *base;
    size_t i;

    if (fn != NULL && (fn->flags & GEN_FN_METHOD) &&
        ((n == 4 && memcmp(dotted, "self", 4) == 0) ||
         (n == 3 && memcmp(dotted, "cls", 3) == 0)) &&
        *rest == '.') {
        /* self.method: the class is the qualname minus the method. */
        const char *dot = strrchr(fn->qualname, '.');

        if (dot != NULL)
            return gen_xasprintf("%s.%.*s%s", f->modname,
                                 (int)(dot - fn->qualname), fn->qualname,
                                 rest);
    }
    base = import_target(f, dotted, n);
    if (base != NULL) {
        char *r = gen_xasprintf("%s%s", base, rest);

        free(base);
        return r;
    }
    if (top_level_def(f, dotted, n) != NULL)
        return f->modname[0] ? gen_xasprintf("%s.%s", f->modname, dotted)
                             : gen_xstrdup(dotted);
    /* Star imports from project modules. */
    for (i = 0; i < f->nimports; i++) {
        const struct gen_import *im = &f->imports[i];
        const struct gen_file *g;
        char *mod;

        if (im->name == NULL || strcmp(im->name, "*") != 0)
            continue;
        mod = gen_import_module(f, im);
        g = mod ? gen_map_get(&p->by_module, mod) : NULL;
        if (g != NULL && top_level_def(g, dotted, n) != NULL) {
            char *r = gen_xasprintf("%s.%s", mod, dotted);

            free(mod);
            return r;
        }
        free(mod);
    }
    return NULL;
}

/* The project function or class a resolved name denotes, following
 * re-exports such as `from .impl import fetch` in a package. */
static const struct gen_func *
find_func(const struct gen_project *p, const char *fqn, int depth)
{
    const struct gen_func *fn = gen_map_get(&p->by_fqn, fqn);
    const char *dot;

    if (fn != NULL || depth > RESOLVE_DEPTH)
        return fn;
    for (dot = strrchr(fqn, '.'); dot != NULL;) {
        const struct gen_file *f =
            gen_map_getn(&p->by_module, fqn, (size_t)(dot - fqn));

        if (f != NULL) {
            const char *name = dot + 1;
            size_t n = strcspn(name, ".");
            char *base = import_target(f, name, n), *next;

            if (base == NULL)
                return NULL;
            next = gen_xasprintf("%s%s", base, name + n);
            free(base);
            if (strcmp(next, fqn) != 0)
                fn = find_func(p, next, depth + 1);
            free(next);
            return fn;
        }
        while (--dot > fqn && *dot != '.')
            ;
        if (dot == fqn)
            break;
    }
    return NULL;
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
    /* Loop methods and module functions, modern and legacy (the seed's
     * loop.run_asyncio / loop.run_coroutine / loop.run_trio). */
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

/* The domain a library name belongs to. */
static int
lib_domain(const struct gen_project *p, const char *fqn)
{
    size_t n = strcspn(fqn, ".");

    if ((n == 7 && memcmp(fqn, "asyncio", 7) == 0) ||
        (n > 3 && memcmp(fqn, "aio", 3) == 0))
        return GEN_DOM_AIO;
    if (is_runtime(p, fqn, n))
        return strcmp(fqn + n, ".open_loop") == 0 ? GEN_DOM_TRIO
                                                  : GEN_DOM_NONE;
    if ((n == 4 && memcmp(fqn, "trio", 4) == 0) ||
        (n > 5 && memcmp(fqn, "trio_", 5) == 0))
        return GEN_DOM_TRIO;
    return GEN_DOM_NONE;
}

/* ---- Domains ----------------------------------------------------------- */

static void
classify_decorators(struct gen_project *p, struct gen_file *f,
                    struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->ndecos; i++) {
        const struct gen_decorator *d = &fn->decos[i];
        char *fqn;
        const char *last;
        int shim;

        if (d->name == NULL)
            continue;
        fqn = gen_project_resolve(p, f, NULL, d->name);
        if (fqn == NULL)
            fqn = gen_xstrdup(d->name);
        last = strrchr(fqn, '.');
        last = last ? last + 1 : fqn;
        shim = (IN_LIST(last, a2t_names) || IN_LIST(last, t2a_names))
                   ? gen_shim_of(p, fqn)
                   : GEN_SHIM_NONE;
        if (shim != GEN_SHIM_NONE && fn->boundary == GEN_SHIM_NONE) {
            fn->boundary = (uint8_t)shim;
            fn->bdeco = d;
        }
        if (strcmp(last, "asynccontextmanager") == 0)
            fn->acm = 1;
        free(fqn);
    }
}

/* A project function that `async with`/`async for` over the class cf
 * would call, or cf itself. */
static const struct gen_func *
protocol_target(const struct gen_project *p, const struct gen_func *t,
                const char *cf, int kind)
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
    m = find_func(p, k, 0);
    free(k);
    return m;
}

static void
classify_events(struct gen_project *p, struct gen_file *f, struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->nevents; i++) {
        struct gen_event *ev = &fn->events[i];
        char *cf = NULL, *af = NULL;
        int shim = GEN_SHIM_NONE, d, resolved = 0;

        if (ev->callee != NULL) {
            cf = gen_project_resolve(p, f, fn, ev->callee);
            /* A name no import or definition binds (a local, a
             * parameter) says nothing about a library. */
            resolved = cf != NULL;
            if (cf == NULL)
                cf = gen_xstrdup(ev->callee);
        }
        if (cf != NULL && ev->shape != GEN_SHAPE_NAME)
            shim = gen_shim_of(p, cf);
        if (shim != GEN_SHIM_NONE) {
            ev->source = GEN_SRC_SHIM;
            ev->shim = (uint8_t)shim;
            ev->ctx = shim == GEN_SHIM_A2T ? GEN_DOM_TRIO : GEN_DOM_AIO;
            if (ev->arg != NULL) {
                af = gen_project_resolve(p, f, fn, ev->arg);
                if (af == NULL)
                    af = gen_xstrdup(ev->arg);
                ev->wrapped = (uint8_t)lib_domain(p, af);
                if (ev->wrapped == GEN_DOM_NONE)
                    ev->target = find_func(p, af, 0);
            }
            ev->fqn = af ? af : cf;
            if (af != NULL)
                free(cf);
            continue;
        }
        if (cf == NULL || ev->shape == GEN_SHAPE_CALLCALL) {
            free(cf);
            continue;
        }
        d = resolved ? lib_domain(p, cf) : GEN_DOM_NONE;
        if (d != GEN_DOM_NONE) {
            ev->source = GEN_SRC_LIB;
            ev->ctx = (uint8_t)d;
        }
        else {
            const struct gen_func *t = find_func(p, cf, 0);

            t = protocol_target(p, t, cf, ev->kind);
            if (t != NULL && !(t->flags & GEN_FN_CLASS) &&
                ((t->flags & GEN_FN_ASYNC) || t->boundary)) {
                ev->source = GEN_SRC_PROJ;
                ev->target = t;
            }
        }
        ev->fqn = cf;
    }
}

static int
module_default(const struct gen_file *f)
{
    if (f->imports_aio && !f->imports_trio)
        return GEN_DOM_AIO;
    if (f->imports_trio && !f->imports_aio)
        return GEN_DOM_TRIO;
    return GEN_DOM_NONE;
}

static int
proj_evidence(const struct gen_func *fn)
{
    size_t i;
    int d = 0;

    for (i = 0; i < fn->nevents; i++) {
        const struct gen_event *ev = &fn->events[i];

        if (ev->source == GEN_SRC_PROJ && ev->target != fn &&
            (ev->target->iface == GEN_DOM_AIO ||
             ev->target->iface == GEN_DOM_TRIO))
            d |= ev->target->iface;
    }
    return d;
}

static void
infer_domains(struct gen_project *p)
{
    size_t i, j, k;
    int pass, changed = 1;

    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++) {
            struct gen_func *fn = &f->funcs[j];

            for (k = 0; k < fn->nevents; k++) {
                const struct gen_event *ev = &fn->events[k];

                if (ev->source == GEN_SRC_LIB && ev->kind == GEN_EV_AWAIT)
                    fn->lib_dom |= ev->ctx;
                else if (ev->source == GEN_SRC_LIB)
                    fn->with_dom |= ev->ctx;
                else if (ev->source == GEN_SRC_SHIM)
                    fn->shim_dom |= ev->ctx;
            }
            if (fn->boundary == GEN_SHIM_A2T) {
                fn->domain = GEN_DOM_AIO;
                fn->iface = GEN_DOM_TRIO;
            }
            else if (fn->boundary == GEN_SHIM_T2A) {
                fn->domain = GEN_DOM_TRIO;
                fn->iface = GEN_DOM_AIO;
            }
        }
    }
    for (pass = 0; changed && pass < FIXPOINT_PASSES; pass++) {
        changed = 0;
        for (i = 0; i < p->nfiles; i++) {
            struct gen_file *f = p->files[i];
            int md = module_default(f);

            for (j = 0; j < f->nfuncs; j++) {
                struct gen_func *fn = &f->funcs[j];
                int d;

                if (fn->boundary || !(fn->flags & GEN_FN_ASYNC) ||
                    (fn->flags & GEN_FN_CLASS))
                    continue;
                /* Strongest evidence first: the libraries it awaits, those
                 * it enters or iterates, the shims it calls, the module's
                 * single world, then the project functions it awaits. */
                int weak = 0, iface;

                if (fn->lib_dom)
                    d = fn->lib_dom;
                else if (fn->with_dom)
                    d = fn->with_dom;
                else if (fn->shim_dom)
                    d = fn->shim_dom;
                else if (md)
                    d = md, weak = 1;
                else
                    d = proj_evidence(fn);
                /* A domain taken from the module's imports alone is used to
                 * check the function's own body, but is not evidence for
                 * its callers or for the shims around it. */
                iface = (d == GEN_DOM_MIXED || weak) ? GEN_DOM_NONE : d;
                if (d != fn->domain || iface != fn->iface) {
                    fn->domain = (uint8_t)d;
                    fn->iface = (uint8_t)iface;
                    changed = 1;
                }
            }
        }
    }
}

void
gen_project_analyse(struct gen_project *p)
{
    size_t i, j;

    gen_project_load_imported(p);
    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++)
            classify_decorators(p, f, &f->funcs[j]);
    }
    for (i = 0; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        for (j = 0; j < f->nfuncs; j++)
            classify_events(p, f, &f->funcs[j]);
    }
    infer_domains(p);
}

void
gen_project_free(struct gen_project *p)
{
    size_t i;

    for (i = 0; i < p->nfiles; i++) {
        gen_file_free(p->files[i]);
        free(p->files[i]);
    }
    free(p->files);
    gen_map_free(&p->by_module);
    gen_map_free(&p->by_fqn);
    p->files = NULL;
    p->nfiles = p->cap = 0;
}
