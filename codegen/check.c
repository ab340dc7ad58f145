#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "libs.h"
#include "util.h"

/* The name to show for an event: what it resolved to, else as written. */
static const char *
ev_name(const struct gen_event *ev)
{
    if (ev->fqn != NULL)
        return ev->fqn;
    return ev->callee ? ev->callee : "?";
}

/* The interface domain of whatever a shim event wraps. */
static int
wrapped_domain(const struct gen_event *ev)
{
    if (ev->wrapped)
        return ev->wrapped;
    if (ev->target != NULL && !(ev->target->flags & GEN_FN_CLASS))
        return ev->target->iface;
    return GEN_DOM_NONE;
}

/* The domain an event needs, now that every function has one. */
static int
ev_ctx(const struct gen_event *ev)
{
    if (ev->source == GEN_SRC_PROJ)
        return ev->target->iface;
    return ev->ctx;
}

static void
check_decorator(const struct gen_project *p, const struct gen_file *f,
                const struct gen_func *fn, struct gen_report *r)
{
    const struct gen_decorator *d = fn->bdeco;
    const char *shim = gen_shim_name(fn->boundary);
    const char *what = (fn->flags & GEN_FN_CLASS) ? "class" : "function";

    (void)p;
    if (d->called) {
        gen_report_add(r, f, d->line, d->col, "TA004",
                       "@%s(...) is not a decorator factory; write @%s on "
                       "`%s`",
                       d->name, d->name, fn->qualname);
    }
    else if (fn->flags & GEN_FN_CLASS) {
        gen_report_add(r, f, d->line, d->col, "TA004",
                       "@%s cannot wrap %s `%s`; decorate its async "
                       "methods, or wrap instances: %s(%s(...))",
                       d->name, what, fn->qualname, shim, fn->name);
    }
    else if (!(fn->flags & GEN_FN_ASYNC)) {
        gen_report_add(r, f, d->line, d->col, "TA004",
                       "@%s wraps async functions; `%s` is a plain def, "
                       "make it `async def`",
                       d->name, fn->qualname);
    }
    else if (fn->acm) {
        gen_report_add(r, f, d->line, d->col, "TA004",
                       "@%s cannot wrap the context manager factory `%s`; "
                       "wrap the object instead: `async with %s(%s(...))`",
                       d->name, fn->qualname, shim, fn->name);
    }
    else if (fn->flags & GEN_FN_GEN) {
        gen_report_add(r, f, d->line, d->col, "TA004",
                       "@%s cannot wrap the async generator function `%s`; "
                       "wrap the iterator instead: `async for x in "
                       "%s(%s(...))`",
                       d->name, fn->qualname, shim, fn->name);
    }
    else {
        return;
    }
}

/* A boundary function whose body awaits only code of its interface
 * domain: the decorator points the wrong way.  Returns 1 if reported. */
static int
check_direction(const struct gen_file *f, const struct gen_func *fn,
                struct gen_report *r)
{
    const struct gen_decorator *d = fn->bdeco;
    size_t i;
    int seen = 0;
    const struct gen_event *first = NULL;

    for (i = 0; i < fn->nevents; i++) {
        const struct gen_event *ev = &fn->events[i];
        int c;

        if (ev->source != GEN_SRC_LIB && ev->source != GEN_SRC_PROJ)
            continue;
        c = ev_ctx(ev);
        if (c != GEN_DOM_AIO && c != GEN_DOM_TRIO)
            continue;
        seen |= c;
        if (first == NULL)
            first = ev;
    }
    if (seen != fn->iface)
        return 0;
    gen_report_add(r, f, d->line, d->col, "TA005",
                   "@%s on `%s`, whose body is %s code (it awaits `%s`); "
                   "use @%s, which wraps %s code for %s callers",
                   d->name, fn->qualname, gen_domain_name(fn->iface),
                   ev_name(first),
                   gen_shim_name(fn->boundary == GEN_SHIM_A2T ? GEN_SHIM_T2A
                                                              : GEN_SHIM_A2T),
                   gen_domain_name(fn->iface), gen_domain_name(fn->domain));
    return 1;
}

/* "`main` is Trio: `@pytest.mark.trio`, line 14" */
static char *
why_text(const struct gen_file *f, const struct gen_func *fn, int dom)
{
    struct gen_buf b = {0};

    (void)dom;
    (void)fn;
    gen_evid_reason(&b, fn->why, f->path);
    return b.data;
}

/* Why a project callee has its interface domain, or "" for libraries. */
static char *
callee_text(const struct gen_file *f, const struct gen_event *ev)
{
    struct gen_buf b = {0};
    const struct gen_func *t = ev->target;

    gen_buf_puts(&b, "");
    if (ev->source != GEN_SRC_PROJ || t == NULL || t->why == NULL ||
        t->boundary)
        return b.data;
    gen_buf_puts(&b, " (");
    gen_evid_reason(&b, t->why, f->path);
    gen_buf_puts(&b, ")");
    return b.data;
}

/* Conflicting evidence of the same strength: reported at the later of the
 * two lines, naming both. */
static void
check_mixed(const struct gen_file *f, const struct gen_func *fn,
            struct gen_report *r)
{
    const struct gen_evid *a = fn->why, *b = fn->clash;
    struct gen_buf m = {0};

    if (a == NULL || b == NULL)
        return;
    gen_buf_printf(&m, "`%s` is both %s (", fn->qualname,
                   gen_domain_name(a->dom));
    gen_evid_reason(&m, a, f->path);
    gen_buf_printf(&m, ") and %s (", gen_domain_name(b->dom));
    gen_evid_reason(&m, b, f->path);
    gen_buf_puts(&m, "); split it and cross once with aio_as_trio() or "
                     "trio_as_aio()");
    gen_report_add(r, f, strcmp(b->path, f->path) == 0 ? b->line : fn->line,
                   strcmp(b->path, f->path) == 0 ? b->col : fn->col, "TA003",
                   "%s", m.data);
    gen_buf_free(&m);
}

/* The shim as written is trio_as_aio (or an alias), not a loop method
 * such as loop.run_trio(fn), which takes the function itself. */
static int
is_trio_as_aio(const char *written)
{
    const char *dot = written ? strrchr(written, '.') : NULL;
    const char *last = dot ? dot + 1 : written;

    return last != NULL &&
           (strcmp(last, "trio_as_aio") == 0 ||
            strcmp(last, "trio_as_asyncio") == 0 ||
            strcmp(last, "aio2trio") == 0 || strstr(written, "run_") == NULL);
}

static void
check_shim(const struct gen_file *f, const struct gen_func *fn,
           const struct gen_event *ev, int dom, struct gen_report *r)
{
    int c = ev_ctx(ev), w;
    const char *shim = gen_shim_name(ev->shim);
    const char *name = ev_name(ev);

    if (c != dom) {
        char *why = why_text(f, fn, dom);

        gen_report_add(r, f, ev->line, ev->col, "TA009",
                       "%s-side shim `%s` used in %s function `%s` (%s); "
                       "it is for %s callers: %s",
                       c == GEN_DOM_TRIO ? "Trio" : "asyncio",
                       ev->callee ? ev->callee : shim, gen_domain_name(dom),
                       fn->qualname, why, gen_domain_name(c),
                       ev->shim == GEN_SHIM_A2T
                           ? "await the asyncio code directly"
                           : "await the Trio code directly");
        free(why);
        return;
    }
    /* trio-asyncio documents that trio_as_aio(proc(*args)) is not
     * supported: Trio does not expose coroutine objects. */
    if (ev->shim == GEN_SHIM_T2A && ev->kind == GEN_EV_AWAIT &&
        ev->shape == GEN_SHAPE_CALL && ev->arg_is_call == 1 &&
        is_trio_as_aio(ev->callee)) {
        gen_report_add(r, f, ev->line, ev->col, "TA010",
                       "`%s(%s(...))` wraps a coroutine, which "
                       "trio_as_aio cannot adapt; write `await %s(%s)"
                       "(...)`",
                       ev->callee, ev->arg ? ev->arg : "f", ev->callee,
                       ev->arg ? ev->arg : "f");
        return;
    }
    w = wrapped_domain(ev);
    if (w == c)
        gen_report_add(r, f, ev->line, ev->col, "TA008",
                       "`%s` is already %s-facing; drop the %s() "
                       "around it",
                       name, gen_domain_name(c), shim);
}

/* Evidence of t's own body for the domain `other` (what it awaits or
 * enters there), or NULL: a shim around all of t would run that part in
 * the wrong domain. */
static const struct gen_evid *
body_part_of(const struct gen_func *t, int other)
{
    size_t i;

    for (i = 0; i < t->nevid; i++) {
        const struct gen_evid *e = &t->evid[i];

        if (e->dom == other &&
            (e->kind == GEN_EVK_LIB_AWAIT || e->kind == GEN_EVK_LIB_WITH ||
             e->kind == GEN_EVK_SCOPE || e->kind == GEN_EVK_PROPAGATED ||
             e->kind == GEN_EVK_AWAIT_BOUNDARY))
            return e;
    }
    return NULL;
}

/* The fix for crossing into `c` from `dom`, or why there is none. */
static void
fix_text(struct gen_buf *b, const struct gen_project *p,
         const struct gen_event *ev, int c, const char *as_written)
{
    const char *shim = c == GEN_DOM_AIO ? "aio_as_trio" : "trio_as_aio";
    const struct gen_func *t = ev->source == GEN_SRC_PROJ ? ev->target : 0;
    const struct gen_evid *part;

    if (t != NULL && t->boundary) {
        /* Wrapping a boundary function again would cross twice. */
        gen_buf_printf(b,
                       "it is %s code behind `@%s` (line %u), and wrapping "
                       "it again would cross twice, so no shim fixes this: "
                       "%s code must call the undecorated function (drop "
                       "the decorator, or keep an undecorated one for %s "
                       "callers)",
                       gen_domain_name(t->domain), t->bdeco->name,
                       t->bdeco->line, gen_domain_name(t->domain),
                       gen_domain_name(t->domain));
        return;
    }
    if (ev->source == GEN_SRC_LIB && ev->fqn != NULL &&
        (ev->kind == GEN_EV_SCOPE || gen_lib_is_scope(p, ev->fqn))) {
        gen_buf_printf(b,
                       "`%s` belongs to the %s task that opens it, so no "
                       "shim can carry it across: move this block into %s "
                       "code",
                       as_written, gen_domain_name(c), gen_domain_name(c));
        return;
    }
    if (t != NULL && ev->through == NULL &&
        (part = body_part_of(t, c == GEN_DOM_AIO ? GEN_DOM_TRIO
                                                 : GEN_DOM_AIO)) != NULL) {
        gen_buf_printf(b,
                       "it also has %s code (%s, line %u), which a shim "
                       "around all of it would run in the wrong domain: "
                       "put the shim around its %s part",
                       gen_domain_name(part->dom), part->what, part->line,
                       gen_domain_name(c));
        return;
    }
    if (ev->through != NULL && ev->arg_is_call != 1) {
        /* The helper calls what it is given: hand it a shim instead (the
         * helper itself may need its caller's domain). */
        if (ev->arg_is_call == GEN_ARG_LAMBDA)
            gen_buf_printf(b, "hand it over as `%s(lambda: %s(%s)(...))`",
                           as_written, shim, ev->arg);
        else
            gen_buf_printf(b, "hand it over as `%s(%s(%s))`", as_written, shim,
                           ev->arg);
        return;
    }
    if (ev->yield_from && ev->shape != GEN_SHAPE_NAME) {
        /* A generator-based coroutine can only `yield from` it. */
        gen_buf_printf(b, "call it as `yield from %s(%s)(...).__await__()`",
                       shim, as_written);
        return;
    }
    if (ev->yield_from && c == GEN_DOM_AIO) {
        gen_buf_printf(b, "yield from it as `yield from %s(%s).__await__()`",
                       shim, as_written);
        return;
    }
    switch (ev->kind) {
    case GEN_EV_AWAIT:
        if (ev->shape == GEN_SHAPE_NAME && c == GEN_DOM_TRIO)
            /* trio_as_aio cannot adapt a Trio coroutine object (TA010):
             * the fix is where the awaitable is made. */
            gen_buf_printf(b,
                           "trio_as_aio cannot adapt a Trio coroutine, so "
                           "make it as `%s = trio_as_aio(%s)(...)`",
                           as_written, t != NULL ? t->name : "f");
        else if (ev->shape == GEN_SHAPE_NAME) /* an awaitable */
            gen_buf_printf(b, "await it as `await %s(%s)`", shim, as_written);
        else
            gen_buf_printf(b, "call it as `await %s(%s)(...)`", shim,
                           as_written);
        break;
    case GEN_EV_WITH:
        gen_buf_printf(b, "use `async with %s(%s(...))`", shim, as_written);
        break;
    default:
        gen_buf_printf(b, "use `async for x in %s(%s(...))`", shim,
                       as_written);
        break;
    }
}

static void
check_event(const struct gen_project *p, const struct gen_file *f,
            const struct gen_func *fn, const struct gen_event *ev, int dom,
            struct gen_report *r)
{
    int c = ev_ctx(ev);
    const char *name = ev_name(ev);
    /* The hint repeats the name as the user wrote it. */
    char *written = ev->callee == NULL ? gen_xstrdup(name)
                    : strncmp(ev->callee, "super.", 6) == 0
                        ? gen_xasprintf("super().%s", ev->callee + 6)
                        : gen_xstrdup(ev->callee);
    const char *as_written = written;
    struct gen_buf fix = {0};
    char *why, *cwhy;
    const char *code, *where = ev->region ? "branch of" : "function";

    if (ev->source == GEN_SRC_SHIM) {
        check_shim(f, fn, ev, dom, r);
        free(written);
        return;
    }
    if ((c != GEN_DOM_AIO && c != GEN_DOM_TRIO) || c == dom) {
        free(written);
        return;
    }
    fix_text(&fix, p, ev, c, as_written);
    why = ev->region ? gen_xstrdup("the branch tests the running library")
                     : why_text(f, fn, dom);
    cwhy = callee_text(f, ev);
    switch (ev->kind) {
    case GEN_EV_AWAIT:
        code = c == GEN_DOM_AIO ? "TA001" : "TA002";
        gen_report_add(
            r, f, ev->line, ev->col, code,
            "%s%s `%s`%s awaited%s%s%s in %s %s `%s` (%s); %s",
            gen_domain_name(c),
            ev->source == GEN_SRC_PROJ && ev->target->boundary ? "-facing"
                                                               : "",
            name, cwhy, ev->through ? " through `" : "",
            ev->through ? ev->callee : "",
            !ev->through           ? ""
            : ev->arg_is_call == 1 ? "` (it awaits its argument)"
                                   : "` (it calls its argument and awaits "
                                     "the result)",
            gen_domain_name(dom), where, fn->qualname, why, fix.data);
        break;
    case GEN_EV_WITH:
    case GEN_EV_SCOPE:
        gen_report_add(r, f, ev->line, ev->col, "TA006",
                       "`%s` over %s `%s`%s in %s %s `%s` (%s); %s",
                       ev->kind == GEN_EV_WITH ? "async with" : "with",
                       gen_domain_name(c), name, cwhy, gen_domain_name(dom),
                       where, fn->qualname, why, fix.data);
        break;
    case GEN_EV_FOR:
        gen_report_add(r, f, ev->line, ev->col, "TA007",
                       "`async for` over %s `%s`%s in %s %s `%s` (%s); %s",
                       gen_domain_name(c), name, cwhy, gen_domain_name(dom),
                       where, fn->qualname, why, fix.data);
        break;
    }
    free(why);
    free(cwhy);
    free(written);
    gen_buf_free(&fix);
}

/* A function handed to a runner of the other domain: the hand-over is
 * where a shim is missing. */
static void
check_calls(const struct gen_file *f, struct gen_report *r)
{
    size_t i;

    for (i = 0; i < f->ncalls; i++) {
        const struct gen_call *c = &f->calls[i];
        const struct gen_func *t = c->target;
        struct gen_buf why = {0};
        int td;

        if (t == NULL || c->dom == GEN_DOM_NONE || (t->flags & GEN_FN_ERROR) ||
            c->region == GEN_REGION_OTHER ||
            (c->region && c->region != c->dom))
            continue;
        td = t->boundary ? t->iface : t->domain;
        if ((td != GEN_DOM_AIO && td != GEN_DOM_TRIO) || td == c->dom)
            continue;
        gen_evid_reason(&why, t->why, f->path);
        gen_report_add(
            r, f, c->line, c->col, c->dom == GEN_DOM_TRIO ? "TA001" : "TA002",
            "%s `%s` (%s) handed to %s runner `%s`; hand it over "
            "as `%s(%s)`",
            gen_domain_name(td), c->arg, why.data, gen_domain_name(c->dom),
            c->callee, c->dom == GEN_DOM_TRIO ? "aio_as_trio" : "trio_as_aio",
            c->arg);
        gen_buf_free(&why);
    }
}

static void
check_file(const struct gen_project *p, const struct gen_file *f,
           struct gen_report *r)
{
    size_t i, j;

    /* Not for a file whose bytes hold nothing to check (woken: parsed
     * for its definitions, which depends on the other files), unless
     * every file is parsed (--parse-all): like a dormant file's, its
     * syntax is not what a lazy check checks. */
    if (f->syntax_error && (!f->woken || !p->lazy))
        gen_report_add(r, f, f->err_line, f->err_col, "TA900",
                       "syntax error; definitions containing it are not "
                       "checked");
    check_calls(f, r);
    for (i = 0; i < f->nfuncs; i++) {
        const struct gen_func *fn = &f->funcs[i];
        int direction = 0;

        /* Conservative on broken code: no finding from a definition the
         * parser had to repair. */
        if (fn->flags & (GEN_FN_ERROR | GEN_FN_HYBRID))
            continue;
        if (fn->boundary) {
            check_decorator(p, f, fn, r);
            if (!(fn->flags & GEN_FN_CLASS) && (fn->flags & GEN_FN_ASYNC))
                direction = check_direction(f, fn, r);
        }
        if (!(fn->flags & GEN_FN_ASYNC) || direction)
            continue;
        if (fn->domain == GEN_DOM_MIXED) {
            check_mixed(f, fn, r);
            continue;
        }
        for (j = 0; j < fn->nevents; j++) {
            const struct gen_event *ev = &fn->events[j];
            /* A dispatch branch is checked in the domain it tests for. */
            int dom = ev->region ? ev->region : fn->domain;

            if (dom != GEN_DOM_AIO && dom != GEN_DOM_TRIO)
                continue;
            check_event(p, f, fn, ev, dom, r);
        }
    }
}

size_t
gen_check_project(const struct gen_project *p, struct gen_report *r)
{
    size_t i, ioerr = 0;

    for (i = 0; i < p->nfiles; i++) {
        const struct gen_file *f = p->files[i];

        if (!f->explicit_)
            continue;
        if (f->io_error) {
            gen_warn("%s: %s", f->path, gen_strerror(f->err));
            ioerr++;
            continue;
        }
        check_file(p, f, r);
    }
    return ioerr;
}
