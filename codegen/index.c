#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "libs.h"
#include "load.h"
#include "resolve.h"
#include "util.h"

/* Upper bound on domain propagation passes; each pass settles at least one
 * more call-graph layer, and real call chains are shallow. */
#define FIXPOINT_PASSES 64

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
        shim =
            (gen_is_boundary_name(last)) ? gen_shim_of(p, fqn) : GEN_SHIM_NONE;
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
    m = gen_find_func(p, k, 0);
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
                ev->wrapped = (uint8_t)gen_lib_domain(p, af);
                if (ev->wrapped == GEN_DOM_NONE)
                    ev->target = gen_find_func(p, af, 0);
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
        d = resolved ? gen_lib_domain(p, cf) : GEN_DOM_NONE;
        if (d != GEN_DOM_NONE) {
            ev->source = GEN_SRC_LIB;
            ev->ctx = (uint8_t)d;
        }
        else {
            const struct gen_func *t = gen_find_func(p, cf, 0);

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
