#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

/* The encoding: unsigned LEB128 varints for numbers; a string is the
 * varint len + 1 and then its bytes (0 for NULL); an array is its count
 * and then its elements, each field in the order written below.  The
 * cache entry around it (cache.c) carries the version and a checksum. */

/* ---- Writing ------------------------------------------------------------ */

static void
put_u(struct gen_buf *b, uint64_t v)
{
    char tmp[10];
    size_t n = 0;

    do {
        unsigned char c = v & 0x7f;

        v >>= 7;
        tmp[n++] = (char)(v ? c | 0x80 : c);
    } while (v);
    gen_buf_append(b, tmp, n);
}

static void
put_s(struct gen_buf *b, const char *s)
{
    size_t n;

    if (s == NULL) {
        put_u(b, 0);
        return;
    }
    n = strlen(s);
    put_u(b, (uint64_t)n + 1);
    gen_buf_append(b, s, n);
}

static void
put_binds(struct gen_buf *b, const struct gen_bind *v, size_t n)
{
    size_t i;

    put_u(b, n);
    for (i = 0; i < n; i++) {
        put_s(b, v[i].name);
        put_s(b, v[i].type);
        put_u(b, v[i].line);
        put_u(b, v[i].resolved);
        put_u(b, v[i].kind);
        /* -2 (module level) is stored as 0, -1 (no site) as 1, function
         * i as i + 2. */
        put_u(b, (uint64_t)((int64_t)v[i].site + 2));
    }
}

static void
put_func(struct gen_buf *b, const struct gen_func *fn)
{
    size_t i;

    put_s(b, fn->name);
    put_s(b, fn->qualname);
    put_u(b, fn->line);
    put_u(b, fn->col);
    put_u(b, fn->start_byte);
    put_u(b, fn->flags);
    put_u(b, fn->ndecos);
    for (i = 0; i < fn->ndecos; i++) {
        put_s(b, fn->decos[i].name);
        put_u(b, fn->decos[i].line);
        put_u(b, fn->decos[i].col);
        put_u(b, fn->decos[i].called);
    }
    put_u(b, fn->nevents);
    for (i = 0; i < fn->nevents; i++) {
        const struct gen_event *ev = &fn->events[i];

        put_s(b, ev->callee);
        put_s(b, ev->arg);
        put_u(b, ev->line);
        put_u(b, ev->col);
        put_u(b, ev->kind);
        put_u(b, ev->shape);
        put_u(b, ev->arg_is_call);
        put_u(b, ev->yield_from);
        put_u(b, ev->region);
    }
    put_binds(b, fn->params, fn->nparams);
    put_binds(b, fn->binds, fn->nbinds);
    put_s(b, fn->ret);
    put_s(b, fn->yields);
}

void
gen_facts_encode(const struct gen_file *f, struct gen_buf *b)
{
    size_t i;

    put_u(b, f->syntax_error);
    put_u(b, f->err_line);
    put_u(b, f->err_col);
    put_u(b, f->nbytes);
    put_u(b, f->pragma_dom);
    put_u(b, f->pragma_line);
    put_u(b, f->nimports);
    for (i = 0; i < f->nimports; i++) {
        put_s(b, f->imports[i].local);
        put_s(b, f->imports[i].module);
        put_s(b, f->imports[i].name);
        put_u(b, f->imports[i].level);
    }
    put_u(b, f->nfuncs);
    for (i = 0; i < f->nfuncs; i++)
        put_func(b, &f->funcs[i]);
    put_u(b, f->nnoqa);
    for (i = 0; i < f->nnoqa; i++) {
        put_u(b, f->noqa[i].line);
        put_s(b, f->noqa[i].codes);
    }
    put_u(b, f->ncalls);
    for (i = 0; i < f->ncalls; i++) {
        const struct gen_call *c = &f->calls[i];

        put_s(b, c->callee);
        put_s(b, c->arg);
        put_u(b, c->line);
        put_u(b, c->col);
        /* -1 (module level) is stored as 0, function i as i + 1. */
        put_u(b, (uint64_t)(c->func + 1));
        put_u(b, c->region);
    }
    put_u(b, f->nctors);
    for (i = 0; i < f->nctors; i++) {
        const struct gen_ctor *c = &f->ctors[i];

        put_s(b, c->callee);
        put_s(b, c->arg);
        put_u(b, c->line);
        put_u(b, (uint64_t)(c->func + 1));
        put_u(b, c->argkind);
    }
    /* What the loader knows of a file it did not parse (load.c). */
    put_u(b, f->dormant);
    put_u(b, f->woken);
    put_u(b, f->ncaps);
    for (i = 0; i < f->ncaps; i++)
        put_u(b, f->caps[i]);
}

/* ---- Reading ------------------------------------------------------------ */

struct rd {
    const unsigned char *p, *end;
    int bad;
};

static uint64_t
get_u(struct rd *r, uint64_t max)
{
    uint64_t v = 0;
    int shift = 0;

    for (;;) {
        unsigned char c;

        if (r->bad || r->p >= r->end || shift > 63) {
            r->bad = 1;
            return 0;
        }
        c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
        shift += 7;
    }
    if (v > max) {
        r->bad = 1;
        return 0;
    }
    return v;
}

/* A string, or NULL: either as written, or because the input is bad. */
static char *
get_s(struct rd *r)
{
    uint64_t n = get_u(r, (uint64_t)(r->end - r->p) + 1);
    char *s;

    if (r->bad || n == 0)
        return NULL;
    n--;
    /* The model never stores an empty name where NULL would do, but
     * module texts may be empty; a NUL byte inside would cut the name. */
    if (memchr(r->p, '\0', (size_t)n) != NULL) {
        r->bad = 1;
        return NULL;
    }
    s = gen_xstrndup((const char *)r->p, (size_t)n);
    r->p += n;
    return s;
}

/* An array count, bounded by what the remaining bytes can hold when each
 * element takes at least `least` bytes, then the zeroed array itself. */
static void *
get_array(struct rd *r, size_t elem, size_t least, size_t *count)
{
    uint64_t n = get_u(r, (uint64_t)(r->end - r->p) / least);

    *count = 0;
    if (r->bad || n == 0)
        return NULL;
    *count = (size_t)n;
    return gen_xcalloc((size_t)n, elem);
}

#define U32 UINT32_MAX

/* nfuncs: how many functions the file has, which a site must be one of. */
static void
get_binds(struct rd *r, struct gen_bind **v, size_t *n, size_t *cap,
          size_t nfuncs)
{
    size_t i;

    *v = get_array(r, sizeof(**v), 6, n);
    *cap = *n;
    for (i = 0; i < *n && !r->bad; i++) {
        (*v)[i].name = get_s(r);
        (*v)[i].type = get_s(r);
        (*v)[i].line = (uint32_t)get_u(r, U32);
        (*v)[i].resolved = (uint8_t)get_u(r, 2);
        (*v)[i].kind = (uint8_t)get_u(r, GEN_BIND_ELEMENT);
        (*v)[i].site = (int32_t)((int64_t)get_u(r, nfuncs + 1) - 2);
    }
}

static int
valid_region(uint64_t v)
{
    return v == GEN_REGION_NONE || v == GEN_REGION_AIO ||
           v == GEN_REGION_TRIO || v == GEN_REGION_OTHER;
}

static void
get_func(struct rd *r, struct gen_func *fn, size_t nfuncs)
{
    size_t i;

    fn->name = get_s(r);
    fn->qualname = get_s(r);
    fn->line = (uint32_t)get_u(r, U32);
    fn->col = (uint32_t)get_u(r, U32);
    fn->start_byte = (uint32_t)get_u(r, U32);
    /* HYBRID is the index's to set. */
    fn->flags = (uint32_t)get_u(r, GEN_FN_ARG_REBOUND * 2 - 1);
    if (!r->bad && (fn->name == NULL || fn->qualname == NULL))
        r->bad = 1;
    fn->decos = get_array(r, sizeof(*fn->decos), 4, &fn->ndecos);
    for (i = 0; i < fn->ndecos && !r->bad; i++) {
        fn->decos[i].name = get_s(r);
        fn->decos[i].line = (uint32_t)get_u(r, U32);
        fn->decos[i].col = (uint32_t)get_u(r, U32);
        fn->decos[i].called = (uint8_t)get_u(r, 1);
    }
    fn->events = get_array(r, sizeof(*fn->events), 8, &fn->nevents);
    fn->capevents = fn->nevents;
    for (i = 0; i < fn->nevents && !r->bad; i++) {
        struct gen_event *ev = &fn->events[i];
        uint64_t region;

        ev->callee = get_s(r);
        ev->arg = get_s(r);
        ev->line = (uint32_t)get_u(r, U32);
        ev->col = (uint32_t)get_u(r, U32);
        ev->kind = (uint8_t)get_u(r, GEN_EV_ASSERT_TRIO);
        ev->shape = (uint8_t)get_u(r, GEN_SHAPE_CALLCALL);
        ev->arg_is_call = (uint8_t)get_u(r, GEN_ARG_NARROWED);
        ev->yield_from = (uint8_t)get_u(r, 1);
        region = get_u(r, GEN_REGION_OTHER);
        if (!valid_region(region))
            r->bad = 1;
        ev->region = (uint8_t)region;
    }
    get_binds(r, &fn->params, &fn->nparams, &fn->capparams, nfuncs);
    get_binds(r, &fn->binds, &fn->nbinds, &fn->capbinds, nfuncs);
    fn->ret = get_s(r);
    fn->yields = get_s(r);
}

/* Free the model fields of f and zero them, keeping where the file is. */
static void
clear_model(struct gen_file *f)
{
    struct gen_file keep = *f;

    f->path = f->modname = f->root = NULL;
    f->src = NULL;
    f->tree = NULL;
    gen_file_free(f);
    f->path = keep.path;
    f->modname = keep.modname;
    f->root = keep.root;
    f->is_init = keep.is_init;
    f->explicit_ = keep.explicit_;
    f->io_error = keep.io_error;
    f->err = keep.err;
    f->seq = keep.seq;
    f->src = keep.src;
    f->tree = keep.tree;
}

int
gen_facts_decode(struct gen_file *f, const char *data, size_t n)
{
    struct rd r = {(const unsigned char *)data,
                   (const unsigned char *)data + n, 0};
    size_t i;

    f->syntax_error = (uint8_t)get_u(&r, 1);
    f->err_line = (uint32_t)get_u(&r, U32);
    f->err_col = (uint32_t)get_u(&r, U32);
    f->nbytes = (size_t)get_u(&r, U32);
    f->pragma_dom = (uint8_t)get_u(&r, GEN_DOM_TRIO);
    f->pragma_line = (uint32_t)get_u(&r, U32);
    f->imports = get_array(&r, sizeof(*f->imports), 4, &f->nimports);
    f->capimports = f->nimports;
    for (i = 0; i < f->nimports && !r.bad; i++) {
        struct gen_import *im = &f->imports[i];

        im->local = get_s(&r);
        im->module = get_s(&r);
        im->name = get_s(&r);
        im->level = (uint8_t)get_u(&r, 255);
        if (!r.bad && (im->local == NULL || im->module == NULL))
            r.bad = 1;
    }
    f->funcs = get_array(&r, sizeof(*f->funcs), 14, &f->nfuncs);
    f->capfuncs = f->nfuncs;
    for (i = 0; i < f->nfuncs && !r.bad; i++)
        get_func(&r, &f->funcs[i], f->nfuncs);
    f->noqa = get_array(&r, sizeof(*f->noqa), 2, &f->nnoqa);
    f->capnoqa = f->nnoqa;
    for (i = 0; i < f->nnoqa && !r.bad; i++) {
        f->noqa[i].line = (uint32_t)get_u(&r, U32);
        f->noqa[i].codes = get_s(&r);
    }
    f->calls = get_array(&r, sizeof(*f->calls), 6, &f->ncalls);
    f->capcalls = f->ncalls;
    for (i = 0; i < f->ncalls && !r.bad; i++) {
        struct gen_call *c = &f->calls[i];
        uint64_t region;

        c->callee = get_s(&r);
        c->arg = get_s(&r);
        c->line = (uint32_t)get_u(&r, U32);
        c->col = (uint32_t)get_u(&r, U32);
        c->func = (long)get_u(&r, f->nfuncs) - 1;
        region = get_u(&r, GEN_REGION_OTHER);
        if (!valid_region(region))
            r.bad = 1;
        c->region = (uint8_t)region;
        if (!r.bad && (c->callee == NULL || c->arg == NULL))
            r.bad = 1;
    }
    f->ctors = get_array(&r, sizeof(*f->ctors), 5, &f->nctors);
    f->capctors = f->nctors;
    for (i = 0; i < f->nctors && !r.bad; i++) {
        struct gen_ctor *c = &f->ctors[i];

        c->callee = get_s(&r);
        c->arg = get_s(&r);
        c->line = (uint32_t)get_u(&r, U32);
        c->func = (long)get_u(&r, f->nfuncs) - 1;
        c->argkind = (uint8_t)get_u(&r, GEN_CTOR_AWAITED);
        /* Only an unknown argument has no name. */
        if (!r.bad && (c->callee == NULL ||
                       (c->arg == NULL) != (c->argkind == GEN_CTOR_UNKNOWN)))
            r.bad = 1;
    }
    f->dormant = (uint8_t)get_u(&r, 1);
    f->woken = (uint8_t)get_u(&r, 1);
    f->caps = get_array(&r, sizeof(*f->caps), 1, &f->ncaps);
    for (i = 0; i < f->ncaps && !r.bad; i++) {
        f->caps[i] = get_u(&r, UINT64_MAX);
        /* Sorted and unique, for the index's binary search. */
        if (i > 0 && f->caps[i] <= f->caps[i - 1])
            r.bad = 1;
    }
    /* A dormant file has no model (and was not woken). */
    if (f->dormant &&
        (f->woken || f->nfuncs || f->nimports || f->ncalls || f->nctors ||
         f->nnoqa || f->syntax_error || f->pragma_dom))
        r.bad = 1;
    if (r.bad || r.p != r.end) {
        clear_model(f);
        return -1;
    }
    return 0;
}
