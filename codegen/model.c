#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "dispatch.h"
#include "lang.h"
#include "syntax.h"
#include "util.h"

/* A definition that encloses the captures that follow it, by byte range. */
struct scope {
    uint32_t end_byte;
    long func; /* index into f->funcs */
};

struct gen_modeler {
    TSParser *parser;
    struct scope *stack;
    size_t depth, cap;
    uint32_t *kw; /* offsets of keywords in the current source */
    size_t nkw, capkw;
    /* Regions in the order their `if` statements start; innermost last. */
    struct gen_regions regions;
    /* The tree node of f->funcs[i] and its enclosing definition, for the
     * binding pass after the walk. */
    TSNode *nodes;
    long *parents;
    size_t capnodes, capparents;
};

struct gen_modeler *
gen_modeler_new(void)
{
    struct gen_modeler *m = gen_xcalloc(1, sizeof(*m));

    m->parser = ts_parser_new();
    if (!ts_parser_set_language(m->parser, gen_lang.language))
        gen_fatal("cannot load the Python grammar");
    return m;
}

void
gen_modeler_delete(struct gen_modeler *m)
{
    if (m == NULL)
        return;
    ts_parser_delete(m->parser);
    free(m->stack);
    free(m->kw);
    free(m->regions.regions);
    free(m->nodes);
    free(m->parents);
    free(m);
}

/* Words that can start a fact: the keywords of definitions, imports,
 * awaits and context managers, and the names of the runners and
 * schedulers that hand a function to a domain (see do_call). */
static const char *const kwords[] = {
    "await",
    "yield",
    "async",
    "def",
    "class",
    "import",
    "with",
    "run",
    "start",
    "start_soon",
    "create_task",
    "gather",
    "ensure_future",
    "run_until_complete",
    "call_soon",
    "call_soon_threadsafe",
    "call_later",
    "call_at",
    "wait_for",
    "shield",
    "run_coroutine_threadsafe",
    "spawn_system_task",
    "start_guest_run",
};

static int
is_kword(const char *s, size_t n)
{
    size_t w;

    if (n < 3 || n > 24 || strchr("aydcirsgew", s[0]) == NULL)
        return 0;
    for (w = 0; w < sizeof(kwords) / sizeof(kwords[0]); w++)
        if (kwords[w][0] == s[0] && strncmp(kwords[w], s, n) == 0 &&
            kwords[w][n] == '\0')
            return 1;
    return 0;
}

/* The type T of `if isinstance(name, T):` around `at` (in the block of
 * that `if`, not its elif or else, and inside the same definition) when
 * the block never rebinds `name`, as written; else NULL. */
static char *
narrowed_type(TSNode at, const char *name, const char *src)
{
    TSNode c = at, p;

    for (p = ts_node_parent(c); !ts_node_is_null(p);
         c = p, p = ts_node_parent(p)) {
        const char *t = ts_node_type(p);
        TSNode cond, fnode, args, a0, a1;

        if (gen_is(p, SYM_FUNCTION_DEFINITION) ||
            gen_is(p, SYM_CLASS_DEFINITION) || strcmp(t, "lambda") == 0)
            return NULL;
        if (strcmp(t, "if_statement") != 0 ||
            !ts_node_eq(c, gen_field(p, FLD_CONSEQUENCE)))
            continue;
        cond = gen_unparen(gen_field(p, FLD_CONDITION));
        if (ts_node_is_null(cond) || !gen_is(cond, SYM_CALL))
            continue;
        fnode = gen_field(cond, FLD_FUNCTION);
        args = gen_field(cond, FLD_ARGUMENTS);
        if (!gen_text_is(fnode, src, "isinstance") || ts_node_is_null(args) ||
            ts_node_named_child_count(args) != 2)
            continue;
        a0 = ts_node_named_child(args, 0);
        a1 = ts_node_named_child(args, 1);
        if (!gen_is(a0, SYM_IDENTIFIER) || !gen_text_is(a0, src, name) ||
            !(gen_is(a1, SYM_IDENTIFIER) || gen_is(a1, SYM_ATTRIBUTE)) ||
            gen_maybe_rebound(c, name, src))
            return NULL;
        return gen_dotted(a1, src);
    }
    return NULL;
}

/* A generator-based coroutine (`@types.coroutine`): a coroutine function
 * whose `yield from` awaits. */
static int
gen_coroutine(const struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->ndecos; i++)
        if (fn->decos[i].name != NULL &&
            strcmp(fn->decos[i].name, "types.coroutine") == 0 &&
            !fn->decos[i].called)
            return 1;
    return 0;
}

static void
add_event(struct gen_modeler *m, struct gen_file *f, long fi, TSNode expr,
          TSNode at, enum gen_ev_kind kind, const char *src)
{
    struct gen_func *fn;
    struct gen_event ev = {0};

    if (fi < 0)
        return; /* top level or class body: not inside a coroutine */
    fn = &f->funcs[fi];
    expr = gen_unparen(expr);
    if (ts_node_is_null(expr))
        return;
    ev.kind = (uint8_t)kind;
    if (gen_is(expr, SYM_CALL)) {
        TSNode fnode = gen_unparen(gen_field(expr, FLD_FUNCTION));

        if (!ts_node_is_null(fnode) && gen_is(fnode, SYM_CALL)) {
            ev.shape = GEN_SHAPE_CALLCALL;
            ev.callee = gen_dotted(gen_field(fnode, FLD_FUNCTION), src);
            ev.arg = gen_callable_name(gen_first_arg(fnode), src);
        }
        else {
            TSNode a = gen_unparen(gen_first_arg(expr));

            ev.shape = GEN_SHAPE_CALL;
            ev.callee = gen_dotted(fnode, src);
            ev.arg = gen_callable_name(a, src);
            ev.arg_is_call = !ts_node_is_null(a) && gen_is(a, SYM_CALL);
            /* `await helper(lambda: g(...))`: what the lambda calls, when
             * it takes no parameters (its names are then the function's). */
            if (ev.arg == NULL && !ts_node_is_null(a) &&
                strcmp(ts_node_type(a), "lambda") == 0 &&
                ts_node_is_null(gen_field(a, FLD_PARAMETERS))) {
                TSNode body = gen_unparen(gen_field(a, FLD_BODY));

                if (!ts_node_is_null(body) && gen_is(body, SYM_CALL)) {
                    ev.arg = gen_callable_name(body, src);
                    ev.arg_is_call = GEN_ARG_LAMBDA;
                }
            }
        }
    }
    else {
        ev.callee = gen_dotted(expr, src);
        ev.shape = ev.callee ? GEN_SHAPE_NAME : GEN_SHAPE_OTHER;
        if (ev.callee != NULL && gen_is(expr, SYM_IDENTIFIER)) {
            ev.arg = narrowed_type(expr, ev.callee, src);
            if (ev.arg != NULL)
                ev.arg_is_call = GEN_ARG_NARROWED;
        }
    }
    if (ev.callee == NULL && ev.arg == NULL)
        return; /* nothing the checker could ever say about it */
    gen_node_pos(at, src, &ev.line, &ev.col);
    ev.region = gen_region_at(&m->regions, ts_node_start_byte(at));
    if (ev.region)
        fn->flags |= GEN_FN_DISPATCH;
    GEN_PUSH(fn->events, fn->nevents, fn->capevents, ev);
}

/* The callable an argument hands over: f in `f`, `f(...)` (a coroutine
 * of f) and `functools.partial(f, ...)`. */
static char *
handed_callable(TSNode a, const char *src)
{
    a = gen_unparen(a);
    if (!ts_node_is_null(a) && gen_is(a, SYM_CALL)) {
        char *fn = gen_dotted(gen_field(a, FLD_FUNCTION), src);

        if (fn != NULL && strcmp(gen_last_part(fn), "partial") == 0) {
            free(fn);
            return gen_callable_name(gen_nth_arg(a, 0), src);
        }
        return fn;
    }
    return gen_callable_name(a, src);
}

/* Runners and schedulers whose first positional argument is run in a
 * domain; which domain is decided by the index from the resolved name. */
static const char *const first_arg_runners[] = {
    "run",
    "start",
    "start_soon",
    "create_task",
    "ensure_future",
    "run_until_complete",
    "call_soon",
    "call_soon_threadsafe",
    "wait_for",
    "shield",
    "run_coroutine_threadsafe",
    "spawn_system_task",
    "start_guest_run",
};

/* `C(x)`: the first positional argument of a call of a capitalised
 * name, for typing C's constructor parameter (see struct gen_ctor). */
static void
do_ctor(struct gen_file *f, long fi, TSNode fnode, TSNode n, const char *src)
{
    TSNode a = gen_unparen(gen_nth_arg(n, 0));
    struct gen_ctor c = {0};

    if (ts_node_is_null(a) || gen_is(a, SYM_KEYWORD_ARGUMENT))
        return; /* no positional argument: the parameter keeps its default */
    c.callee = gen_dotted(fnode, src);
    if (c.callee == NULL)
        return;
    /* Exceptions are never awaited on: `raise ValueError(msg)` is most
     * capitalised calls. */
    {
        const char *last = gen_last_part(c.callee);
        size_t len = strlen(last);

        if ((len > 5 && strcmp(last + len - 5, "Error") == 0) ||
            (len > 9 && strcmp(last + len - 9, "Exception") == 0) ||
            (len > 7 && strcmp(last + len - 7, "Warning") == 0)) {
            free(c.callee);
            return;
        }
    }
    if (gen_is(a, SYM_AWAIT) && ts_node_named_child_count(a) > 0) {
        TSNode x = gen_unparen(ts_node_named_child(a, 0));

        if (gen_is(x, SYM_IDENTIFIER) || gen_is(x, SYM_ATTRIBUTE)) {
            c.arg = gen_dotted(x, src);
            c.argkind = c.arg ? GEN_CTOR_AWAITED : GEN_CTOR_UNKNOWN;
        }
        else {
            a = x; /* `C(await f(...))`: what f makes, below */
        }
    }
    if (c.arg != NULL) {
        /* done */
    }
    else if (gen_is(a, SYM_IDENTIFIER) || gen_is(a, SYM_ATTRIBUTE)) {
        c.arg = gen_dotted(a, src);
        c.argkind = c.arg ? GEN_CTOR_NAME : GEN_CTOR_UNKNOWN;
    }
    else if (gen_is(a, SYM_CALL)) {
        c.arg = gen_dotted(gen_field(a, FLD_FUNCTION), src);
        c.argkind = c.arg ? GEN_CTOR_CALL : GEN_CTOR_UNKNOWN;
    }
    c.line = ts_node_start_point(n).row + 1;
    c.func = fi;
    GEN_PUSH(f->ctors, f->nctors, f->capctors, c);
}

static void
do_call(struct gen_modeler *m, struct gen_file *f, long fi, TSNode n,
        const char *src)
{
    TSNode fnode = gen_unparen(gen_field(n, FLD_FUNCTION));
    char *callee;
    const char *last;
    uint32_t which = 0, k;
    int all = 0;
    TSNode lastn;
    uint32_t ab, ae;

    if (ts_node_is_null(fnode))
        return;
    if (gen_is(fnode, SYM_ATTRIBUTE))
        lastn = gen_field(fnode, FLD_ATTRIBUTE);
    else if (gen_is(fnode, SYM_IDENTIFIER))
        lastn = fnode;
    else
        return;
    /* Most calls are not runners: look at the last name in place first,
     * allocating nothing. */
    if (ts_node_is_null(lastn))
        return;
    ab = ts_node_start_byte(lastn);
    ae = ts_node_end_byte(lastn);
    if (isupper((unsigned char)src[ab])) {
        do_ctor(f, fi, fnode, n, src);
        return;
    }
    if (!is_kword(src + ab, ae - ab))
        return;
    callee = gen_dotted(fnode, src);
    if (callee == NULL)
        return;
    last = gen_last_part(callee);
    if (strcmp(last, "gather") == 0)
        all = 1;
    else if (strcmp(last, "call_later") == 0 || strcmp(last, "call_at") == 0)
        which = 1;
    else if (!GEN_NAME_IN(last, first_arg_runners)) {
        free(callee);
        return;
    }
    /* trio_asyncio.run(allow_asyncio, f): f may mix both on purpose;
     * trio_asyncio.run(aio_as_trio, f) runs f as asyncio code (the index
     * takes the shim for the runner). */
    if (strcmp(last, "run") == 0) {
        char *first = handed_callable(gen_nth_arg(n, 0), src);

        if (first != NULL &&
            (strcmp(gen_last_part(first), "allow_asyncio") == 0 ||
             strcmp(gen_last_part(first), "aio_as_trio") == 0 ||
             strcmp(gen_last_part(first), "asyncio_as_trio") == 0)) {
            free(callee);
            callee = first;
            first = NULL;
            which = 1;
        }
        free(first);
    }
    for (k = 0; k < 64; k++) {
        TSNode a = gen_nth_arg(n, k);
        struct gen_call c = {0};

        if (ts_node_is_null(a))
            break;
        if (!all && k != which)
            continue;
        c.arg = handed_callable(a, src);
        if (c.arg != NULL) {
            c.callee = gen_xstrdup(callee);
            c.func = fi;
            c.region = gen_region_at(&m->regions, ts_node_start_byte(n));
            gen_node_pos(a, src, &c.line, &c.col);
            GEN_PUSH(f->calls, f->ncalls, f->capcalls, c);
        }
        if (!all)
            break;
    }
    free(callee);
}

/* A function's parameters with their annotations and its return
 * annotation, or a class's bases (in params, with a NULL name). */
static void
do_params(struct gen_func *fn, TSNode n, const char *src)
{
    TSNode ps;
    uint32_t i, k;

    if (fn->flags & GEN_FN_CLASS) {
        ps = gen_field(n, FLD_SUPERCLASSES);
        k = ts_node_is_null(ps) ? 0 : ts_node_named_child_count(ps);
        for (i = 0; i < k; i++) {
            TSNode b = ts_node_named_child(ps, i);
            char *d = gen_dotted(b, src);

            if (d != NULL)
                gen_bind_add(&fn->params, &fn->nparams, &fn->capparams, NULL,
                             d, ts_node_start_point(b).row + 1);
        }
        return;
    }
    fn->ret = gen_annot_name(gen_field(n, FLD_RETURN_TYPE), src);
    ps = gen_field(n, FLD_PARAMETERS);
    k = ts_node_is_null(ps) ? 0 : ts_node_named_child_count(ps);
    for (i = 0; i < k; i++) {
        TSNode p = ts_node_named_child(ps, i), nm = {0}, ty = {0};

        if (gen_is(p, SYM_IDENTIFIER)) {
            nm = p;
        }
        else if (gen_is(p, SYM_TYPED_PARAMETER)) {
            if (ts_node_named_child_count(p) > 0)
                nm = ts_node_named_child(p, 0);
            ty = gen_field(p, FLD_TYPE);
        }
        else if (gen_is(p, SYM_DEFAULT_PARAMETER) ||
                 gen_is(p, SYM_TYPED_DEFAULT_PARAMETER)) {
            nm = gen_field(p, FLD_NAME);
            ty = gen_field(p, FLD_TYPE);
        }
        if (ts_node_is_null(nm) || !gen_is(nm, SYM_IDENTIFIER))
            continue;
        gen_bind_add(&fn->params, &fn->nparams, &fn->capparams,
                     gen_node_text(nm, src), gen_annot_name(ty, src),
                     ts_node_start_point(p).row + 1);
    }
}

static void
add_import(struct gen_file *f, const char *local, size_t nlocal,
           const char *module, const char *name, uint8_t level)
{
    struct gen_import im;

    im.local = gen_xstrndup(local, nlocal);
    im.module = gen_xstrdup(module);
    im.name = name ? gen_xstrdup(name) : NULL;
    im.level = level;
    GEN_PUSH(f->imports, f->nimports, f->capimports, im);
}

static void
do_import(struct gen_file *f, TSNode n, const char *src)
{
    TSTreeCursor c = ts_tree_cursor_new(n);

    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode ch = ts_tree_cursor_current_node(&c);
            char *mod = NULL, *alias = NULL;

            if (ts_tree_cursor_current_field_id(&c) != gen_lang.fld[FLD_NAME])
                continue;
            if (gen_is(ch, SYM_ALIASED_IMPORT)) {
                mod = gen_dotted(gen_field(ch, FLD_NAME), src);
                alias = gen_dotted(gen_field(ch, FLD_ALIAS), src);
            }
            else {
                mod = gen_dotted(ch, src);
            }
            if (mod != NULL) {
                if (alias != NULL) {
                    add_import(f, alias, strlen(alias), mod, NULL, 0);
                }
                else {
                    /* `import a.b` binds `a` to the package `a`. */
                    size_t top = strcspn(mod, ".");
                    char *topmod = gen_xstrndup(mod, top);

                    add_import(f, mod, top, topmod, NULL, 0);
                    free(topmod);
                }
            }
            free(mod);
            free(alias);
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
}

static void
do_import_from(struct gen_file *f, TSNode n, const char *src)
{
    TSNode modn = gen_field(n, FLD_MODULE_NAME);
    TSTreeCursor c;
    char *module = NULL;
    uint8_t level = 0;

    if (ts_node_is_null(modn))
        return;
    if (gen_is(modn, SYM_RELATIVE_IMPORT)) {
        uint32_t i, k = ts_node_named_child_count(modn);

        for (i = 0; i < k; i++) {
            TSNode ch = ts_node_named_child(modn, i);

            if (gen_is(ch, SYM_IMPORT_PREFIX)) {
                uint32_t a = ts_node_start_byte(ch);
                uint32_t e = ts_node_end_byte(ch);

                for (; a < e; a++)
                    if (src[a] == '.' && level < 255)
                        level++;
            }
            else if (gen_is(ch, SYM_DOTTED_NAME)) {
                free(module);
                module = gen_dotted(ch, src);
            }
        }
        if (module == NULL)
            module = gen_xstrdup("");
    }
    else {
        module = gen_dotted(modn, src);
        if (module == NULL)
            return;
    }
    c = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode ch = ts_tree_cursor_current_node(&c);
            char *name = NULL, *alias = NULL;

            if (gen_is(ch, SYM_WILDCARD_IMPORT)) {
                add_import(f, "*", 1, module, "*", level);
                continue;
            }
            if (ts_tree_cursor_current_field_id(&c) != gen_lang.fld[FLD_NAME])
                continue;
            if (gen_is(ch, SYM_ALIASED_IMPORT)) {
                name = gen_dotted(gen_field(ch, FLD_NAME), src);
                alias = gen_dotted(gen_field(ch, FLD_ALIAS), src);
            }
            else {
                name = gen_dotted(ch, src);
            }
            if (name != NULL) {
                const char *local = alias ? alias : name;

                add_import(f, local, strlen(local), module, name, level);
            }
            free(name);
            free(alias);
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
    free(module);
}

static void
do_decorators(TSNode decorated, const char *src, struct gen_decorator **out,
              size_t *nout)
{
    uint32_t i, n = ts_node_named_child_count(decorated);
    size_t cap = 0;

    *out = NULL;
    *nout = 0;
    for (i = 0; i < n; i++) {
        TSNode d = ts_node_named_child(decorated, i), e;
        struct gen_decorator dec = {0};

        if (!gen_is(d, SYM_DECORATOR) || ts_node_named_child_count(d) < 1)
            continue;
        e = gen_unparen(ts_node_named_child(d, 0));
        if (gen_is(e, SYM_CALL)) {
            dec.called = 1;
            dec.name = gen_dotted(gen_field(e, FLD_FUNCTION), src);
        }
        else {
            dec.name = gen_dotted(e, src);
        }
        gen_node_pos(d, src, &dec.line, &dec.col);
        gen_grow((void **)out, &cap, *nout + 1, sizeof(**out));
        (*out)[(*nout)++] = dec;
    }
}

static void
do_comment(struct gen_file *f, TSNode n, const char *src)
{
    uint32_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);
    const char *s = src + a, *end = src + e, *p;
    struct gen_noqa nq = {0};
    struct gen_buf codes = {0};

    /* The file's declared domain: `# trioaio-gen: domain=asyncio`. */
    for (p = s; p + 19 <= end; p++)
        if (memcmp(p, "trioaio-gen:", 12) == 0) {
            const char *v = p + 12;

            while (v < end && *v == ' ')
                v++;
            if (end - v >= 7 && memcmp(v, "domain=", 7) == 0) {
                v += 7;
                if (end - v >= 7 && memcmp(v, "asyncio", 7) == 0)
                    f->pragma_dom = GEN_DOM_AIO;
                else if (end - v >= 4 && memcmp(v, "trio", 4) == 0)
                    f->pragma_dom = GEN_DOM_TRIO;
                f->pragma_line = ts_node_start_point(n).row + 1;
            }
            break;
        }
    /* flake8's form: "# noqa" or "# noqa: CODE[, CODE...]". */
    for (p = s; p + 4 <= end; p++)
        if (strncasecmp(p, "noqa", 4) == 0)
            break;
    if (p + 4 > end)
        return;
    for (s = p; s > src + a && (s[-1] == ' ' || s[-1] == '\t'); s--)
        ;
    if (s == src + a || s[-1] != '#')
        return;
    p += 4;
    if (p < end && *p == ':') {
        p++;
        for (;;) {
            const char *q;

            while (p < end && (*p == ' ' || *p == ',' || *p == '\t'))
                p++;
            q = p;
            while (q < end && isalpha((unsigned char)*q))
                q++;
            if (q == p)
                break;
            while (q < end && isdigit((unsigned char)*q))
                q++;
            if (codes.len == 0)
                gen_buf_puts(&codes, ",");
            gen_buf_append(&codes, p, (size_t)(q - p));
            gen_buf_puts(&codes, ",");
            p = q;
        }
    }
    nq.line = ts_node_start_point(n).row + 1;
    nq.codes = codes.data; /* NULL: every code */
    GEN_PUSH(f->noqa, f->nnoqa, f->capnoqa, nq);
}

static void
find_first_error(struct gen_file *f, TSNode root, const char *src)
{
    TSNode n = root;

    for (;;) {
        uint32_t i, k = ts_node_child_count(n);
        int found = 0;

        /* Error recovery can wrap a large, mostly valid region in one
         * ERROR node (even the whole module), so keep descending into the
         * first child that holds an error: the innermost one is where the
         * parser gave up. */
        if (ts_node_is_missing(n))
            break;
        for (i = 0; i < k; i++) {
            TSNode ch = ts_node_child(n, i);

            if (ts_node_has_error(ch) || ts_node_is_missing(ch)) {
                n = ch;
                found = 1;
                break;
            }
        }
        if (!found)
            break;
    }
    gen_node_pos(n, src, &f->err_line, &f->err_col);
}

static long
new_func(struct gen_file *f, struct gen_modeler *m, TSNode n, const char *src,
         uint32_t flags, struct gen_decorator *decos, size_t ndecos)
{
    struct gen_func fn = {0};
    TSNode name = gen_field(n, FLD_NAME);
    long parent = m->depth ? m->stack[m->depth - 1].func : -1;
    char *nm = ts_node_is_null(name) ? gen_xstrdup("<anonymous>")
                                     : gen_node_text(name, src);

    fn.name = nm;
    if (parent >= 0) {
        const struct gen_func *p = &f->funcs[parent];

        fn.qualname = gen_xasprintf("%s.%s", p->qualname, nm);
        if (p->flags & GEN_FN_CLASS)
            flags |= GEN_FN_METHOD;
    }
    else {
        fn.qualname = gen_xstrdup(nm);
    }
    if (gen_starts_async(n))
        flags |= GEN_FN_ASYNC;
    if (ts_node_has_error(n))
        flags |= GEN_FN_ERROR;
    fn.flags = flags;
    fn.decos = decos;
    fn.ndecos = ndecos;
    fn.start_byte = ts_node_start_byte(n);
    gen_node_pos(n, src, &fn.line, &fn.col);
    /* `@nursery.start_soon` on a def starts it at once: a runner call
     * handing over the function, as `nursery.start_soon(f)` would. */
    for (size_t i = 0; i < ndecos; i++) {
        struct gen_call c = {0};

        if (decos[i].called || decos[i].name == NULL ||
            strchr(decos[i].name, '.') == NULL ||
            strcmp(gen_last_part(decos[i].name), "start_soon") != 0)
            continue;
        c.callee = gen_xstrdup(decos[i].name);
        c.arg = gen_xstrdup(nm);
        c.func = parent;
        c.region = gen_region_at(&m->regions, fn.start_byte);
        c.line = decos[i].line;
        c.col = decos[i].col;
        GEN_PUSH(f->calls, f->ncalls, f->capcalls, c);
    }
    do_params(&fn, n, src);
    GEN_PUSH(f->funcs, f->nfuncs, f->capfuncs, fn);
    gen_grow((void **)&m->nodes, &m->capnodes, f->nfuncs, sizeof(*m->nodes));
    gen_grow((void **)&m->parents, &m->capparents, f->nfuncs,
             sizeof(*m->parents));
    m->nodes[f->nfuncs - 1] = n;
    m->parents[f->nfuncs - 1] = parent;
    return (long)f->nfuncs - 1;
}

/* A string literal "trio" or "asyncio" at src[i] (a quote). */
static int
is_lib_literal(const char *src, size_t len, size_t i)
{
    char q = src[i];

    if (i + 5 < len && memcmp(src + i + 1, "trio", 4) == 0 && src[i + 5] == q)
        return 1;
    return i + 8 < len && memcmp(src + i + 1, "asyncio", 7) == 0 &&
           src[i + 8] == q;
}

/* Offsets of every byte that can start something the model reads: '#'
 * (comments), the words above, and the literals "trio" and "asyncio" of
 * dispatch tests.  A subtree with none of them inside cannot hold a
 * capture, so the walk skips it; most of a typical tree is skipped. */
static void
find_keywords(struct gen_modeler *m, const char *src, size_t len)
{
    size_t i = 0;

    m->nkw = 0;
    while (i < len) {
        unsigned char c = (unsigned char)src[i];

        if (c == '#' ||
            ((c == '"' || c == '\'') && is_lib_literal(src, len, i))) {
            GEN_PUSH(m->kw, m->nkw, m->capkw, (uint32_t)i);
            i++;
        }
        else if (isalpha(c) || c == '_' || c >= 0x80) {
            size_t j = i + 1;

            while (j < len && (isalnum((unsigned char)src[j]) ||
                               src[j] == '_' || (unsigned char)src[j] >= 0x80))
                j++;
            /* `Name(`: a constructor call, see do_ctor. */
            if (is_kword(src + i, j - i) ||
                (isupper(c) && j < len && src[j] == '('))
                GEN_PUSH(m->kw, m->nkw, m->capkw, (uint32_t)i);
            i = j;
        }
        else {
            i++;
        }
    }
}

/* Calls fn with the value of each item of the `with` statement n (the
 * expression before `as`), in source order. */
typedef void (*with_item_fn)(struct gen_modeler *m, struct gen_file *f,
                             long cur, TSNode with, TSNode value,
                             const char *src);

static void
each_with_value(struct gen_modeler *m, struct gen_file *f, long cur, TSNode n,
                const char *src, with_item_fn fn)
{
    uint32_t i, k = ts_node_named_child_count(n);

    for (i = 0; i < k; i++) {
        TSNode cl = ts_node_named_child(n, i);
        uint32_t j, kk;

        if (!gen_is(cl, SYM_WITH_CLAUSE))
            continue;
        kk = ts_node_named_child_count(cl);
        for (j = 0; j < kk; j++) {
            TSNode it = ts_node_named_child(cl, j);
            TSNode v = gen_field(it, FLD_VALUE);

            if (!gen_is(it, SYM_WITH_ITEM) || ts_node_is_null(v))
                continue;
            if (gen_is(v, SYM_AS_PATTERN) && ts_node_named_child_count(v) > 0)
                v = ts_node_named_child(v, 0);
            fn(m, f, cur, n, v, src);
        }
    }
}

/* Whether `pytest.raises(e)` may be expecting what a domain crossing
 * raises: anything but a plain name of another exception. */
static int
crossing_error(TSNode e, const char *src)
{
    static const char *const errors[] = {
        "RuntimeError",  "TypeError",         "Exception",
        "BaseException", "TrioInternalError", "AsyncLibraryNotFoundError",
    };
    char *d;
    int r;

    e = gen_unparen(e);
    if (ts_node_is_null(e) ||
        !(gen_is(e, SYM_IDENTIFIER) || gen_is(e, SYM_ATTRIBUTE)))
        return 1;
    d = gen_dotted(e, src);
    r = d == NULL || GEN_NAME_IN(gen_last_part(d), errors);
    free(d);
    return r;
}

/* Cancel scopes entered with a plain `with` (trio.move_on_after(...),
 * trio.CancelScope()...): they only work in Trio code, so they are events
 * too.  Other plain context managers say nothing about a domain. */
static void
scope_item(struct gen_modeler *m, struct gen_file *f, long cur, TSNode n,
           TSNode v, const char *src)
{
    static const char *const scopes[] = {"move_on_after", "move_on_at",
                                         "fail_after",    "fail_at",
                                         "CancelScope",   "open_loop"};
    char *fn;

    v = gen_unparen(v);
    if (!gen_is(v, SYM_CALL))
        return;
    fn = gen_dotted(gen_field(v, FLD_FUNCTION), src);
    if (fn != NULL && GEN_NAME_IN(gen_last_part(fn), scopes))
        add_event(m, f, cur, v, v, GEN_EV_SCOPE, src);
    /* Code under pytest.raises() is expected to fail: a test that
     * a crossing raises is not a crossing to report.  But a crossing
     * raises TypeError (Trio: "unrecognized yield message") or
     * RuntimeError (asyncio: "bad yield"), so a test that expects
     * ValueError is not testing one. */
    if (fn != NULL && strcmp(fn, "pytest.raises") == 0 &&
        crossing_error(gen_first_arg(v), src))
        gen_region_push(&m->regions, gen_field(n, FLD_BODY), GEN_REGION_OTHER);
    free(fn);
}

static void
async_with_item(struct gen_modeler *m, struct gen_file *f, long cur, TSNode n,
                TSNode v, const char *src)
{
    add_event(m, f, cur, v, v, GEN_EV_WITH, src);
}

/* `assert sniffio.current_async_library() == "trio"` among the
 * statements of an async def's body: the author states its domain. */
static void
body_asserts(struct gen_modeler *m, struct gen_file *f, long fi, TSNode def,
             const char *src)
{
    TSNode body = gen_field(def, FLD_BODY);
    uint32_t i, k;

    if (fi < 0 || !(f->funcs[fi].flags & GEN_FN_ASYNC) ||
        ts_node_is_null(body))
        return;
    k = ts_node_named_child_count(body);
    for (i = 0; i < k; i++) {
        TSNode st = ts_node_named_child(body, i), call = {0};
        int dom;

        if (!gen_is(st, SYM_ASSERT_STATEMENT) ||
            ts_node_named_child_count(st) == 0)
            continue;
        dom = gen_dispatch_assert(ts_node_named_child(st, 0), src, &call);
        if (dom == 0)
            continue;
        add_event(m, f, fi, call, st,
                  dom == GEN_DOM_TRIO ? GEN_EV_ASSERT_TRIO : GEN_EV_ASSERT_AIO,
                  src);
    }
}

/* Whether `name` (dotted) starts with a name the module binds by a plain
 * `import X` or `import X as Y`: a module. */
static int
names_module(const struct gen_file *f, const char *name)
{
    size_t n = strcspn(name, "."), i;

    for (i = 0; i < f->nimports; i++) {
        const struct gen_import *im = &f->imports[i];

        if (im->name == NULL && im->level == 0 && im->local != NULL &&
            strlen(im->local) == n && memcmp(im->local, name, n) == 0)
            return 1;
    }
    return 0;
}

/* `self.x = mod` among the statements of an __init__, where mod is an
 * imported module (a test config's `self.asyncio = _asyncio`): bound
 * now, so that `obj.x.f()` can be named from outside the class. */
static void
init_module_attrs(struct gen_file *f, long fi, TSNode def, const char *src)
{
    TSNode body = gen_field(def, FLD_BODY);
    struct gen_func *fn;
    uint32_t i, k;

    if (fi < 0 || ts_node_is_null(body))
        return;
    fn = &f->funcs[fi];
    if (!(fn->flags & GEN_FN_METHOD) || strcmp(fn->name, "__init__") != 0)
        return;
    k = ts_node_named_child_count(body);
    for (i = 0; i < k; i++) {
        TSNode st = ts_node_named_child(body, i), a, l, r, o;
        char *attr, *val;

        if (!gen_is(st, SYM_EXPRESSION_STATEMENT) ||
            ts_node_named_child_count(st) != 1)
            continue;
        a = ts_node_named_child(st, 0);
        if (!gen_is(a, SYM_ASSIGNMENT))
            continue;
        l = gen_field(a, FLD_LEFT);
        r = gen_unparen(gen_field(a, FLD_RIGHT));
        if (ts_node_is_null(l) || !gen_is(l, SYM_ATTRIBUTE) ||
            ts_node_is_null(r) ||
            !(gen_is(r, SYM_IDENTIFIER) || gen_is(r, SYM_ATTRIBUTE)))
            continue;
        o = gen_field(l, FLD_OBJECT);
        if (ts_node_is_null(o) || !gen_is(o, SYM_IDENTIFIER) ||
            !gen_text_is(o, src, "self"))
            continue;
        val = gen_dotted(r, src);
        if (val == NULL || !names_module(f, val)) {
            free(val);
            continue;
        }
        attr = gen_dotted(l, src);
        if (attr == NULL) {
            free(val);
            continue;
        }
        gen_bind_add(&fn->binds, &fn->nbinds, &fn->capbinds, attr, val,
                     ts_node_start_point(st).row + 1);
        fn->binds[fn->nbinds - 1].kind = GEN_BIND_ALIAS;
    }
}

static void
walk_captures(struct gen_modeler *m, struct gen_file *f, TSNode root,
              const char *src, size_t len)
{
    TSTreeCursor c = ts_tree_cursor_new(root);
    struct gen_decorator *pend = NULL;
    size_t npend = 0, kwi = 0;
    uint32_t pend_at = UINT32_MAX;

    m->depth = 0;
    m->regions.nregions = 0;
    find_keywords(m, src, len);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        uint32_t start = ts_node_start_byte(n);
        TSSymbol sym;
        enum gen_cap cap;
        long cur, inner;

        while (kwi < m->nkw && m->kw[kwi] < start)
            kwi++;
        if (kwi == m->nkw || m->kw[kwi] >= ts_node_end_byte(n))
            goto next; /* nothing inside can matter */
        sym = ts_node_symbol(n);
        cap = sym < gen_lang.nsyms ? (enum gen_cap)gen_lang.cap_of_sym[sym]
                                   : CAP_COUNT;
        if (cap == CAP_COUNT)
            goto down;
        while (m->depth && m->stack[m->depth - 1].end_byte <= start)
            m->depth--;
        inner = cur = m->depth ? m->stack[m->depth - 1].func : -1;
        /* Events belong to the innermost function, never to a class. */
        if (cur >= 0 && (f->funcs[cur].flags & GEN_FN_CLASS))
            cur = -1;
        switch (cap) {
        case CAP_CALL:
            do_call(m, f, inner, n, src);
            break;
        case CAP_IF:
            gen_dispatch_if(&m->regions, n, src);
            break;
        case CAP_MATCH:
            gen_dispatch_match(&m->regions, n, src);
            break;
        case CAP_IMPORT:
            do_import(f, n, src);
            break;
        case CAP_IMPORT_FROM:
            do_import_from(f, n, src);
            break;
        case CAP_IMPORT_FUTURE:
            break;
        case CAP_DECORATED: {
            TSNode def = gen_field(n, FLD_DEFINITION);

            if (ts_node_is_null(def))
                break;
            if (pend != NULL) {
                /* A decorated definition whose def never came (error). */
                size_t i;

                for (i = 0; i < npend; i++)
                    free(pend[i].name);
                free(pend);
            }
            do_decorators(n, src, &pend, &npend);
            pend_at = ts_node_start_byte(def);
            break;
        }
        case CAP_CLASS:
        case CAP_DEF: {
            struct gen_decorator *d = NULL;
            size_t nd = 0;
            struct scope sc;

            if (start == pend_at) {
                d = pend;
                nd = npend;
                pend = NULL;
                npend = 0;
                pend_at = UINT32_MAX;
            }
            sc.func = new_func(f, m, n, src,
                               cap == CAP_CLASS ? GEN_FN_CLASS : 0, d, nd);
            if (cap == CAP_DEF && gen_coroutine(&f->funcs[sc.func]))
                f->funcs[sc.func].flags |= GEN_FN_ASYNC;
            if (cap == CAP_DEF) {
                body_asserts(m, f, sc.func, n, src);
                init_module_attrs(f, sc.func, n, src);
            }
            sc.end_byte = ts_node_end_byte(n);
            gen_grow((void **)&m->stack, &m->cap, m->depth + 1,
                     sizeof(*m->stack));
            m->stack[m->depth++] = sc;
            break;
        }
        case CAP_AWAIT:
            if (ts_node_named_child_count(n) > 0)
                add_event(m, f, cur, ts_node_named_child(n, 0), n,
                          GEN_EV_AWAIT, src);
            break;
        case CAP_WITH:
            each_with_value(m, f, cur, n, src,
                            gen_starts_async(n) ? async_with_item
                                                : scope_item);
            break;
        case CAP_FOR:
        case CAP_FOR_CLAUSE:
            if (gen_starts_async(n)) {
                TSNode r = gen_field(n, FLD_RIGHT);

                if (!ts_node_is_null(r))
                    add_event(m, f, cur, r, r, GEN_EV_FOR, src);
            }
            break;
        case CAP_YIELD:
            if (cur >= 0 && gen_coroutine(&f->funcs[cur])) {
                struct gen_func *g = &f->funcs[cur];
                size_t had = g->nevents;

                /* `yield from x` there is `await x`; a bare yield is the
                 * library's own protocol. */
                if (ts_node_child_count(n) > 1 &&
                    strcmp(ts_node_type(ts_node_child(n, 1)), "from") == 0 &&
                    ts_node_named_child_count(n) > 0) {
                    add_event(m, f, cur, ts_node_named_child(n, 0), n,
                              GEN_EV_AWAIT, src);
                    g = &f->funcs[cur];
                    if (g->nevents > had)
                        g->events[had].yield_from = 1;
                }
            }
            else if (cur >= 0) {
                struct gen_func *g = &f->funcs[cur];

                g->flags |= GEN_FN_GEN;
                if (g->yields == NULL && ts_node_named_child_count(n) == 1)
                    g->yields = gen_dotted(ts_node_named_child(n, 0), src);
            }
            break;
        case CAP_COMMENT:
            do_comment(f, n, src);
            break;
        case CAP_COUNT:
            break;
        }
    down:
        if (ts_tree_cursor_goto_first_child(&c))
            continue;
    next:
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c))
                goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    if (pend != NULL) {
        size_t i;

        for (i = 0; i < npend; i++)
            free(pend[i].name);
        free(pend);
    }
}

void
gen_model_build(struct gen_modeler *m, struct gen_file *f, const char *src,
                size_t len, TSTree **keep_tree)
{
    TSTree *tree;
    TSNode root;

    f->nbytes = len;
    ts_parser_reset(m->parser);
    tree = ts_parser_parse_string(m->parser, NULL, src, (uint32_t)len);
    if (tree == NULL) {
        /* Only happens on cancellation or a timeout we never set. */
        f->syntax_error = 1;
        f->err_line = f->err_col = 1;
        return;
    }
    root = ts_tree_root_node(tree);
    if (ts_node_has_error(root)) {
        f->syntax_error = 1;
        find_first_error(f, root, src);
    }
    walk_captures(m, f, root, src, len);
    gen_bind_pass(f, root, m->nodes, m->parents, src);
    if (keep_tree != NULL)
        *keep_tree = tree;
    else
        ts_tree_delete(tree);
}

void
gen_model_parse_only(struct gen_modeler *m, const char *src, size_t len)
{
    TSTree *tree;

    ts_parser_reset(m->parser);
    tree = ts_parser_parse_string(m->parser, NULL, src, (uint32_t)len);
    ts_tree_delete(tree);
}

void
gen_file_free(struct gen_file *f)
{
    size_t i, j;

    free(f->path);
    free(f->modname);
    free(f->root);
    for (i = 0; i < f->nimports; i++) {
        free(f->imports[i].local);
        free(f->imports[i].module);
        free(f->imports[i].name);
    }
    free(f->imports);
    for (i = 0; i < f->nfuncs; i++) {
        struct gen_func *fn = &f->funcs[i];

        free(fn->name);
        free(fn->qualname);
        for (j = 0; j < fn->ndecos; j++)
            free(fn->decos[j].name);
        free(fn->decos);
        for (j = 0; j < fn->nevents; j++) {
            free(fn->events[j].callee);
            free(fn->events[j].arg);
            free(fn->events[j].fqn);
        }
        free(fn->events);
        for (j = 0; j < fn->nparams; j++) {
            free(fn->params[j].name);
            free(fn->params[j].type);
        }
        free(fn->params);
        for (j = 0; j < fn->nbinds; j++) {
            free(fn->binds[j].name);
            free(fn->binds[j].type);
        }
        free(fn->binds);
        free(fn->ret);
        free(fn->yields);
        for (j = 0; j < fn->nevid; j++)
            free(fn->evid[j].what);
        free(fn->evid);
    }
    free(f->funcs);
    for (i = 0; i < f->ncalls; i++) {
        free(f->calls[i].callee);
        free(f->calls[i].arg);
    }
    free(f->calls);
    for (i = 0; i < f->nctors; i++) {
        free(f->ctors[i].callee);
        free(f->ctors[i].arg);
    }
    free(f->ctors);
    for (i = 0; i < f->nnoqa; i++)
        free(f->noqa[i].codes);
    free(f->noqa);
    free(f->caps);
    free(f->src);
    if (f->tree != NULL)
        ts_tree_delete(f->tree);
    memset(f, 0, sizeof(*f));
}
