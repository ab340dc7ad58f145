#include "bind.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "syntax.h"
#include "util.h"

/* The tree nodes of the definitions and their nesting. */
struct gen_bindctx {
    const TSNode *nodes;
    const long *parents; /* enclosing definition, or -1 */
    const struct gen_file *f;
    TSNode root;
    /* Module-level bindings looked for so far, by name (a NULL type marks
     * a name looked for and not found), so that each is found once. */
    struct gen_bind *mb;
    size_t nmb, capmb;
    /* What scan_binds found, by subtree and names: every method of a
     * class asks for the same `self.x`, and a walk of the class each
     * time made large classes quadratic. */
    struct gen_map scans;
    struct scan_memo **memos;
    size_t nmemos, capmemos;
    struct gen_map subtrees; /* "start:end" -> struct binders * */
    struct binders **lists;
    size_t nlists, caplists;
};

struct scan_memo {
    struct gen_bind *binds;
    size_t n;
};

/* The nodes of a subtree that can bind a name (assignments and `as`
 * patterns), in the order of a walk: found once per subtree, as a
 * function's or class's body is searched for several names. */
struct binders {
    TSNode *v;
    size_t n, cap;
};

void
gen_bind_add(struct gen_bind **v, size_t *n, size_t *cap, char *name,
             char *type, uint32_t line)
{
    struct gen_bind b;

    b.name = name;
    b.type = type;
    b.line = line;
    b.resolved = 0;
    b.kind = GEN_BIND_CALL;
    b.site = -1;
    GEN_PUSH(*v, *n, *cap, b);
}

/* ---- Bindings: what the receivers of awaited methods are --------------- */

static int
is_shim_word(const char *last)
{
    return strcmp(last, "aio_as_trio") == 0 ||
           strcmp(last, "trio_as_aio") == 0 ||
           strcmp(last, "asyncio_as_trio") == 0 ||
           strcmp(last, "trio2aio") == 0;
}

/* The type a bound value has as written, and (*kind) how the value
 * relates to it: the callee of `C(...)` or of `await f(...)`, what a shim
 * around a call makes (`await aio_as_trio(f(...))`,
 * `await aio_as_trio(f)(...)`), the function a `partial(f, ...)` calls,
 * or the object a plain or awaited name is; NULL for anything else. */
static char *
value_type_at(TSNode v, const char *src, int depth, int entered, uint8_t *kind)
{
    char *fn;
    TSNode fnode;
    int awaited = 0;

    *kind = GEN_BIND_CALL;
    v = gen_unparen(v);
    if (!ts_node_is_null(v) && gen_is(v, SYM_AWAIT) &&
        ts_node_named_child_count(v) > 0) {
        v = gen_unparen(ts_node_named_child(v, 0));
        awaited = 1;
    }
    if (ts_node_is_null(v))
        return NULL;
    if (gen_is(v, SYM_IDENTIFIER) || gen_is(v, SYM_ATTRIBUTE)) {
        fn = gen_dotted(v, src);
        if (fn != NULL)
            *kind = awaited ? GEN_BIND_AWAITED : GEN_BIND_ALIAS;
        return fn;
    }
    if (!gen_is(v, SYM_CALL))
        return NULL;
    fnode = gen_unparen(gen_field(v, FLD_FUNCTION));
    if (!ts_node_is_null(fnode) && gen_is(fnode, SYM_CALL)) {
        /* `aio_as_trio(f)(...)` makes what f(...) makes. */
        char *g = gen_dotted(gen_field(fnode, FLD_FUNCTION), src);
        int shim = g != NULL && is_shim_word(gen_last_part(g));

        free(g);
        /* Not awaited, it is the shim's awaitable (`f = trio_as_aio(g)()`,
         * then `await f`), not what g makes: unknown. */
        if (!awaited && !entered)
            return NULL;
        return shim ? gen_callable_name(gen_nth_arg(fnode, 0), src) : NULL;
    }
    fn = gen_dotted(fnode, src);
    if (fn == NULL || depth >= 4)
        return fn;
    /* `await aio_as_trio(redis.from_url(...))` is what the inner call
     * makes. */
    if (is_shim_word(gen_last_part(fn))) {
        free(fn);
        if (!awaited && !entered)
            return NULL;
        return value_type_at(gen_nth_arg(v, 0), src, depth + 1, entered, kind);
    }
    /* Calling `partial(f, ...)` calls f. */
    if (!awaited && strcmp(gen_last_part(fn), "partial") == 0) {
        TSNode a = gen_unparen(gen_nth_arg(v, 0));

        free(fn);
        if (ts_node_is_null(a) ||
            !(gen_is(a, SYM_IDENTIFIER) || gen_is(a, SYM_ATTRIBUTE)))
            return NULL;
        *kind = GEN_BIND_ALIAS;
        return gen_dotted(a, src);
    }
    return fn;
}

static char *
value_type(TSNode v, const char *src, uint8_t *kind)
{
    return value_type_at(v, src, 0, 0, kind);
}

/* `async with aio_as_trio(C()) as x`: the shim enters C's context, so x
 * is what C's __aenter__ gives, as without the shim. */
static char *
entered_type(TSNode v, const char *src, uint8_t *kind)
{
    return value_type_at(v, src, 0, 1, kind);
}

/* Whether `name` is bound at module level by an import or a top-level
 * def or class, so that a type spelled with it means the same in every
 * function of the module. */
static int
module_name(const struct gen_bindctx *m, const char *name)
{
    size_t i, n = strcspn(name, ".");

    for (i = 0; i < m->f->nimports; i++)
        if (strncmp(m->f->imports[i].local, name, n) == 0 &&
            m->f->imports[i].local[n] == '\0')
            return 1;
    for (i = 0; i < m->f->nfuncs; i++)
        if (m->parents[i] < 0 && strncmp(m->f->funcs[i].name, name, n) == 0 &&
            m->f->funcs[i].name[n] == '\0')
            return 1;
    return 0;
}

/* `x = var.get()` where the module makes `var = ContextVar(...)`: what
 * every `var.set(C(...))` in the module gives, when they all make the
 * same type from a module-level name; NULL (unknown) otherwise.
 * *is_var_out says whether var is a context variable at all. */
static char *
context_var_type(struct gen_bindctx *m, const char *var, const char *src,
                 int *is_var_out)
{
    uint32_t k, nk = ts_node_named_child_count(m->root);
    int is_var = 0, bad = 0;
    char *type = NULL;
    TSTreeCursor c;

    for (k = 0; k < nk && !is_var; k++) {
        TSNode st = ts_node_named_child(m->root, k), a;
        char *t;
        uint8_t kind;

        if (!gen_is(st, SYM_EXPRESSION_STATEMENT) ||
            ts_node_named_child_count(st) == 0)
            continue;
        a = ts_node_named_child(st, 0);
        if (!gen_is(a, SYM_ASSIGNMENT) ||
            !gen_text_is(gen_field(a, FLD_LEFT), src, var))
            continue;
        t = value_type(gen_field(a, FLD_RIGHT), src, &kind);
        is_var = t != NULL && kind == GEN_BIND_CALL &&
                 strcmp(gen_last_part(t), "ContextVar") == 0;
        free(t);
    }
    *is_var_out = is_var;
    if (!is_var)
        return NULL;
    c = ts_tree_cursor_new(m->root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);

        if (gen_is(n, SYM_CALL)) {
            char *fn = gen_dotted(gen_field(n, FLD_FUNCTION), src);
            size_t len = strlen(var);

            if (fn != NULL && strncmp(fn, var, len) == 0 &&
                strcmp(fn + len, ".set") == 0) {
                uint8_t kind;
                char *t = value_type(gen_nth_arg(n, 0), src, &kind);

                if (t == NULL || kind != GEN_BIND_CALL || !module_name(m, t) ||
                    (type != NULL && strcmp(type, t) != 0))
                    bad = 1;
                if (type == NULL) {
                    type = t;
                    t = NULL;
                }
                free(t);
            }
            free(fn);
        }
        if (ts_tree_cursor_goto_first_child(&c))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c))
                goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    if (bad) {
        free(type);
        return NULL;
    }
    return type;
}

/* The index of the definition whose node starts at byte b, or -1. */
static int32_t
func_at(struct gen_bindctx *m, uint32_t b)
{
    size_t i;

    for (i = 0; i < m->f->nfuncs; i++)
        if (m->f->funcs[i].start_byte == b)
            return (int32_t)i;
    return -1;
}

/* Whether an annotation as written types nothing: `Any` (typing's, by
 * any import name) or `object`. */
static int
says_nothing(const char *type)
{
    size_t n = strlen(type);

    return strcmp(type, "object") == 0 || strcmp(type, "Any") == 0 ||
           (n > 4 && strcmp(type + n - 4, ".Any") == 0);
}

/* `self.x = conn` where conn is a parameter of the function the
 * assignment is in: its annotation (*kind CALL), or, without one, the
 * parameter itself (*kind PARAM, *site the function), which the index
 * types from what callers pass. */
static char *
param_type(struct gen_bindctx *m, TSNode assign, TSNode value, const char *src,
           uint8_t *kind, int32_t *site)
{
    TSNode d = assign, ps;
    uint32_t i, k;

    value = gen_unparen(value);
    if (ts_node_is_null(value) || !gen_is(value, SYM_IDENTIFIER))
        return NULL;
    while (!ts_node_is_null(d) && !gen_is(d, SYM_FUNCTION_DEFINITION))
        d = ts_node_parent(d);
    if (ts_node_is_null(d))
        return NULL;
    ps = gen_field(d, FLD_PARAMETERS);
    k = ts_node_is_null(ps) ? 0 : ts_node_named_child_count(ps);
    for (i = 0; i < k; i++) {
        TSNode p = ts_node_named_child(ps, i), nm = {0};

        if (gen_is(p, SYM_TYPED_PARAMETER) && ts_node_named_child_count(p))
            nm = ts_node_named_child(p, 0);
        else if (gen_is(p, SYM_TYPED_DEFAULT_PARAMETER) ||
                 gen_is(p, SYM_DEFAULT_PARAMETER))
            nm = gen_field(p, FLD_NAME);
        else if (gen_is(p, SYM_IDENTIFIER))
            nm = p;
        if (ts_node_is_null(nm) ||
            ts_node_end_byte(nm) - ts_node_start_byte(nm) !=
                ts_node_end_byte(value) - ts_node_start_byte(value) ||
            memcmp(src + ts_node_start_byte(nm),
                   src + ts_node_start_byte(value),
                   ts_node_end_byte(nm) - ts_node_start_byte(nm)) != 0)
            continue;
        if (gen_is(p, SYM_TYPED_PARAMETER) ||
            gen_is(p, SYM_TYPED_DEFAULT_PARAMETER)) {
            *kind = GEN_BIND_CALL;
            return gen_annot_name(gen_field(p, FLD_TYPE), src);
        }
        *site = func_at(m, ts_node_start_byte(d));
        if (*site < 0)
            return NULL;
        *kind = GEN_BIND_PARAM;
        return gen_node_text(nm, src);
    }
    return NULL;
}

/* Every binding of `name` in the subtree at top: assignments (with an
 * annotation or from a call), `with ... as name`; `attr`, if not NULL, is
 * also accepted as a bare annotated name (a class body's `x: T`). */
static int
scan_binds_walk(struct gen_bindctx *m, struct gen_func *fn, TSNode top,
                const char *name, const char *attr, const char *src);

/* Whether the source of `top` spells a binding of `word` at all: the
 * word, whole, followed by `=` (not `==`) or `:`, or preceded by `as`.
 * Scanning bytes is much cheaper than walking the subtree, and most
 * receivers are parameters or unknown. */
static int
maybe_bound(TSNode top, const char *word, const char *src)
{
    uint32_t a = ts_node_start_byte(top), e = ts_node_end_byte(top), i;
    size_t n = strlen(word);

    for (i = a; i + n <= e; i++) {
        uint32_t j, k;

        if (src[i] != word[0] || memcmp(src + i, word, n) != 0)
            continue;
        if (i > a && (isalnum((unsigned char)src[i - 1]) || src[i - 1] == '_'))
            continue;
        j = i + (uint32_t)n;
        if (j < e && (isalnum((unsigned char)src[j]) || src[j] == '_'))
            continue;
        while (j < e && (src[j] == ' ' || src[j] == '\t'))
            j++;
        if (j < e && ((src[j] == '=' && (j + 1 >= e || src[j + 1] != '=')) ||
                      src[j] == ':'))
            return 1;
        for (k = i; k > a && (src[k - 1] == ' ' || src[k - 1] == '\t'); k--)
            ;
        if (k >= a + 2 && memcmp(src + k - 2, "as", 2) == 0)
            return 1;
    }
    return 0;
}

static int
scan_binds(struct gen_bindctx *m, struct gen_func *fn, TSNode top,
           const char *name, const char *attr, const char *src)
{
    char *key = gen_xasprintf("%u:%u:%s:%s", ts_node_start_byte(top),
                              ts_node_end_byte(top), name, attr ? attr : "");
    struct scan_memo *memo = gen_map_get(&m->scans, key);
    struct gen_func tmp = {0};
    size_t i;

    if (memo == NULL) {
        if (maybe_bound(top, name, src) ||
            (attr != NULL && maybe_bound(top, attr, src)))
            scan_binds_walk(m, &tmp, top, name, attr, src);
        memo = gen_xmalloc(sizeof(*memo));
        memo->binds = tmp.binds;
        memo->n = tmp.nbinds;
        gen_map_put(&m->scans, key, memo);
        GEN_PUSH(m->memos, m->nmemos, m->capmemos, memo);
    }
    free(key);
    for (i = 0; i < memo->n; i++) {
        struct gen_bind b = memo->binds[i];

        b.name = gen_xstrdup(b.name);
        b.type = b.type ? gen_xstrdup(b.type) : NULL;
        GEN_PUSH(fn->binds, fn->nbinds, fn->capbinds, b);
    }
    return memo->n > 0;
}

/* Whether the unpacking target `left` (`a, b`, `*_, ch`, `[a, b]`)
 * binds `name` directly. */
static int
unpacks(TSNode left, const char *src, const char *name)
{
    const char *t = ts_node_type(left);
    uint32_t i, k;

    if (strcmp(t, "pattern_list") != 0 && strcmp(t, "tuple_pattern") != 0 &&
        strcmp(t, "list_pattern") != 0)
        return 0;
    k = ts_node_named_child_count(left);
    for (i = 0; i < k; i++) {
        TSNode c = ts_node_named_child(left, i);

        if (strcmp(ts_node_type(c), "list_splat_pattern") == 0 &&
            ts_node_named_child_count(c) > 0)
            c = ts_node_named_child(c, 0);
        if (gen_is(c, SYM_IDENTIFIER) && gen_text_is(c, src, name))
            return 1;
    }
    return 0;
}

static const struct binders *
binders_of(struct gen_bindctx *m, TSNode top)
{
    char key[32];
    struct binders *b;
    TSTreeCursor c;

    snprintf(key, sizeof(key), "%u:%u", ts_node_start_byte(top),
             ts_node_end_byte(top));
    if ((b = gen_map_get(&m->subtrees, key)) != NULL)
        return b;
    b = gen_xcalloc(1, sizeof(*b));
    c = ts_tree_cursor_new(top);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);

        if (gen_is(n, SYM_ASSIGNMENT) || gen_is(n, SYM_AS_PATTERN))
            GEN_PUSH(b->v, b->n, b->cap, n);
        if (ts_tree_cursor_goto_first_child(&c))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c))
                goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    gen_map_put(&m->subtrees, key, b);
    GEN_PUSH(m->lists, m->nlists, m->caplists, b);
    return b;
}

static int
scan_binds_walk(struct gen_bindctx *m, struct gen_func *fn, TSNode top,
                const char *name, const char *attr, const char *src)
{
    const struct binders *bs = binders_of(m, top);
    int found = 0;
    size_t bi;

    for (bi = 0; bi < bs->n; bi++) {
        TSNode n = bs->v[bi];
        char *type = NULL;
        uint8_t kind = GEN_BIND_CALL;
        int32_t site = -1;

        if (gen_is(n, SYM_ASSIGNMENT)) {
            TSNode left = gen_field(n, FLD_LEFT);
            TSNode ty = gen_field(n, FLD_TYPE);

            if (gen_text_is(left, src, name) ||
                (attr != NULL && !ts_node_is_null(ty) &&
                 gen_is(left, SYM_IDENTIFIER) &&
                 gen_text_is(left, src, attr))) {
                type = gen_annot_name(ty, src);
                /* `x: Any = pc.close()`: Any says nothing of the value,
                 * the value does. */
                if (type != NULL && says_nothing(type) &&
                    !ts_node_is_null(gen_field(n, FLD_RIGHT))) {
                    free(type);
                    type = NULL;
                }
                if (type == NULL)
                    type = param_type(m, n, gen_field(n, FLD_RIGHT), src,
                                      &kind, &site);
                if (type == NULL)
                    type = value_type(gen_field(n, FLD_RIGHT), src, &kind);
                /* `db = db_var.get()` of a context variable: what the
                 * module sets it to. */
                if (type != NULL && kind == GEN_BIND_CALL) {
                    size_t tl = strlen(type);

                    if (tl > 4 && strcmp(type + tl - 4, ".get") == 0 &&
                        memchr(type, '.', tl - 4) == NULL) {
                        char *var = gen_xstrndup(type, tl - 4);
                        int is_var = 0;
                        char *cv = context_var_type(m, var, src, &is_var);

                        free(var);
                        if (is_var) {
                            free(type);
                            type = cv;
                        }
                    }
                }
                /* `x = None` and the like say nothing. */
                if (type != NULL && kind == GEN_BIND_ALIAS &&
                    strcmp(type, name) == 0) {
                    free(type);
                    type = NULL;
                }
            }
        }
        if (type == NULL && gen_is(n, SYM_ASSIGNMENT) &&
            unpacks(gen_field(n, FLD_LEFT), src, name)) {
            /* `*_, ch = await r.subscribe(...)`: an element of what the
             * call makes. */
            type = value_type(gen_field(n, FLD_RIGHT), src, &kind);
            if (type != NULL && kind != GEN_BIND_CALL) {
                free(type);
                type = NULL;
            }
            kind = GEN_BIND_ELEMENT;
        }
        else if (gen_is(n, SYM_AS_PATTERN) &&
                 ts_node_named_child_count(n) > 1) {
            TSNode al = gen_field(n, FLD_ALIAS);

            if (!ts_node_is_null(al) && gen_is(al, SYM_AS_PATTERN_TARGET) &&
                ts_node_named_child_count(al) > 0)
                al = ts_node_named_child(al, 0);
            if (gen_text_is(al, src, name)) {
                type = entered_type(ts_node_named_child(n, 0), src, &kind);
                /* `async with x as y`: what x's __aenter__ gives. */
                if (kind != GEN_BIND_CALL) {
                    free(type);
                    type = NULL;
                }
            }
        }
        if (type != NULL) {
            gen_bind_add(&fn->binds, &fn->nbinds, &fn->capbinds,
                         gen_xstrdup(name), type,
                         ts_node_start_point(n).row + 1);
            fn->binds[fn->nbinds - 1].kind = kind;
            fn->binds[fn->nbinds - 1].site = site;
            found = 1;
        }
    }
    return found;
}

/* Decorated as a pytest fixture (as is_fixture in index.c): only then is
 * what it returns worth a binding, whose type the loader goes and finds. */
static int
fixture_like(const struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->ndecos; i++) {
        const char *d = fn->decos[i].name;
        const char *last = d ? strrchr(d, '.') : NULL;

        last = last ? last + 1 : d;
        if (last != NULL && (strcmp(last, "fixture") == 0 ||
                             strcmp(last, "trio_fixture") == 0))
            return 1;
    }
    return 0;
}

/* `return Config(...)`: the value is bound to the name `return` (no
 * Python name can be that), which is what the function yields. */
static void
returned_call(struct gen_func *fn, TSNode v, const char *src, uint32_t line)
{
    TSNode c = gen_unparen(v), callee;
    char *t;

    if (ts_node_is_null(c) || !gen_is(c, SYM_CALL))
        return;
    callee = gen_unparen(gen_field(c, FLD_FUNCTION));
    if (ts_node_is_null(callee) ||
        !(gen_is(callee, SYM_IDENTIFIER) || gen_is(callee, SYM_ATTRIBUTE)))
        return;
    t = gen_dotted(callee, src);
    if (t == NULL)
        return;
    fn->yields = gen_xstrdup("return");
    gen_bind_add(&fn->binds, &fn->nbinds, &fn->capbinds, gen_xstrdup("return"),
                 t, line);
}

/* Record that `name` was looked for and is not bound, so that it is not
 * looked for again. */
static void
searched(struct gen_func *fn, const char *name)
{
    gen_bind_add(&fn->binds, &fn->nbinds, &fn->capbinds, gen_xstrdup(name),
                 NULL, 0);
}

static int
bound_by_import(const struct gen_file *f, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < f->nimports; i++)
        if (strncmp(f->imports[i].local, s, n) == 0 &&
            f->imports[i].local[n] == '\0')
            return 1;
    return 0;
}

static int
has_bind(const struct gen_func *fn, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < fn->nbinds; i++)
        if (strncmp(fn->binds[i].name, s, n) == 0 &&
            fn->binds[i].name[n] == '\0')
            return 1;
    for (i = 0; i < fn->nparams; i++)
        if (fn->params[i].name && strncmp(fn->params[i].name, s, n) == 0 &&
            fn->params[i].name[n] == '\0')
            return 1;
    return 0;
}

static size_t
module_binds(struct gen_bindctx *m, struct gen_func *fn, const char *name,
             const char *src);

/* Find the bindings of the receiver of `cal` (a dotted callee used in
 * f->funcs[i]) unless they were looked for already. */
static void
want_bind_d(struct gen_bindctx *m, struct gen_file *f, size_t i,
            const char *cal, const char *src, int depth);

/* The receivers the types just found are spelled with: `channel =
 * r.pubsub()` needs what r is too. */
static void
want_chain(struct gen_bindctx *m, struct gen_file *f, size_t i, size_t from,
           const char *src, int depth)
{
    size_t j, end = f->funcs[i].nbinds;

    if (depth >= 3)
        return;
    for (j = from; j < end; j++) {
        const struct gen_bind *b = &f->funcs[i].binds[j];
        char *t, *probe;

        if (b->type == NULL || b->kind == GEN_BIND_PARAM)
            continue;
        t = gen_xstrdup(b->type);
        /* `x = aio_as_trio(f)()` or `x = partial(f)` needs what f is,
         * when f is itself a local or an attribute. */
        probe = gen_xasprintf("%s.x", t);
        want_bind_d(m, f, i, t, src, depth + 1);
        want_bind_d(m, f, i, probe, src, depth + 1);
        free(probe);
        free(t);
    }
}

static void
want_bind(struct gen_bindctx *m, struct gen_file *f, size_t i, const char *cal,
          const char *src)
{
    want_bind_d(m, f, i, cal, src, 0);
}

static void
want_bind_d(struct gen_bindctx *m, struct gen_file *f, size_t i,
            const char *cal, const char *src, int depth)
{
    struct gen_func *fn = &f->funcs[i];
    const char *dot, *dot2;
    size_t n;
    char *name;
    long scope;
    size_t from;

    if (cal == NULL || (dot = strchr(cal, '.')) == NULL)
        return;
    n = (size_t)(dot - cal);
    if ((n == 4 && memcmp(cal, "self", 4) == 0) &&
        (fn->flags & GEN_FN_METHOD)) {
        long cls = m->parents[i];

        if ((dot2 = strchr(dot + 1, '.')) == NULL || cls < 0)
            return;
        n = (size_t)(dot2 - cal);
        if (has_bind(fn, cal, n))
            return;
        name = gen_xstrndup(cal, n);
        from = fn->nbinds;
        if (!scan_binds(m, fn, m->nodes[cls], name, name + 5, src))
            searched(fn, name);
        free(name);
        want_chain(m, f, i, from, src, depth);
        return;
    }
    if (bound_by_import(f, cal, n) || has_bind(fn, cal, n))
        return;
    name = gen_xstrndup(cal, n);
    from = fn->nbinds;
    /* Its own body first, then the functions around it (a closure), but
     * not class bodies, which are no enclosing scope. */
    for (scope = (long)i; scope >= 0; scope = m->parents[scope]) {
        if (f->funcs[scope].flags & GEN_FN_CLASS)
            break;
        if (scan_binds(m, fn, m->nodes[scope], name, NULL, src))
            break;
    }
    if (scope < 0 || (f->funcs[scope].flags & GEN_FN_CLASS)) {
        /* Not local: a module-level object (`app = QuartTrio(...)`),
         * and then its attribute too (`app.db = Database(...)`). */
        if (module_binds(m, fn, name, src) == 0) {
            searched(fn, name);
        }
        else if ((dot2 = strchr(dot + 1, '.')) != NULL) {
            char *attr = gen_xstrndup(cal, (size_t)(dot2 - cal));

            if (!has_bind(fn, attr, strlen(attr)) &&
                module_binds(m, fn, attr, src) == 0)
                searched(fn, attr);
            free(attr);
        }
    }
    free(name);
    want_chain(m, f, i, from, src, depth);
}

/* Whether the module-level statement st binds `name` (plain names) or,
 * for a dotted `name` (`app.db`), the whole module: a global object's
 * attributes are set wherever the module likes (`app.db = ...` in a
 * hook).  The results are cached in m->mb and copied into fn with site
 * -2.  Returns how many were found. */
static size_t
module_binds(struct gen_bindctx *m, struct gen_func *fn, const char *name,
             const char *src)
{
    size_t i, n = 0;
    int seen = 0;

    for (i = 0; i < m->nmb; i++)
        if (strcmp(m->mb[i].name, name) == 0)
            seen = 1;
    if (!seen) {
        struct gen_func tmp = {0};
        uint32_t k, nk = ts_node_named_child_count(m->root);

        if (strchr(name, '.') != NULL) {
            scan_binds(m, &tmp, m->root, name, NULL, src);
        }
        else {
            for (k = 0; k < nk; k++) {
                TSNode st = ts_node_named_child(m->root, k);

                if (gen_is(st, SYM_EXPRESSION_STATEMENT))
                    scan_binds(m, &tmp, st, name, NULL, src);
            }
        }
        if (tmp.nbinds == 0)
            gen_bind_add(&m->mb, &m->nmb, &m->capmb, gen_xstrdup(name), NULL,
                         0);
        for (k = 0; k < tmp.nbinds; k++) {
            tmp.binds[k].site = -2;
            GEN_PUSH(m->mb, m->nmb, m->capmb, tmp.binds[k]);
        }
        free(tmp.binds);
    }
    for (i = 0; i < m->nmb; i++) {
        struct gen_bind b = m->mb[i];

        if (b.type == NULL || strcmp(b.name, name) != 0)
            continue;
        b.name = gen_xstrdup(b.name);
        b.type = gen_xstrdup(b.type);
        GEN_PUSH(fn->binds, fn->nbinds, fn->capbinds, b);
        n++;
    }
    return n;
}

/* Whether the class around f->funcs[i] defines a method `name`: then
 * `self.name` is that method, not an attribute bound to a value (this
 * saves scanning the class for most `await self.m()`). */
static int
is_method(const struct gen_bindctx *m, size_t i, const char *name)
{
    long cls = m->parents[i];
    size_t j;

    if (cls < 0 || !(m->f->funcs[cls].flags & GEN_FN_CLASS))
        return 0;
    for (j = (size_t)cls + 1; j < m->f->nfuncs; j++)
        if (m->parents[j] == cls && strcmp(m->f->funcs[j].name, name) == 0)
            return 1;
    return 0;
}

/* Whether the body spells a binding of `word` (maybe_bound: `word =`,
 * `word:`, `as word`) or a loop over it (`for word`): conservative, a
 * keyword argument counts too. */
int
gen_maybe_rebound(TSNode body, const char *word, const char *src)
{
    uint32_t a = ts_node_start_byte(body), e = ts_node_end_byte(body), i;
    size_t n = strlen(word);

    if (maybe_bound(body, word, src))
        return 1;
    for (i = a; i + 4 + n <= e; i++)
        if (memcmp(src + i, "for ", 4) == 0 &&
            (i == a ||
             !(isalnum((unsigned char)src[i - 1]) || src[i - 1] == '_'))) {
            uint32_t j = i + 4;

            while (j < e && src[j] == ' ')
                j++;
            if (j + n <= e && memcmp(src + j, word, n) == 0 &&
                (j + n == e ||
                 !(isalnum((unsigned char)src[j + n]) || src[j + n] == '_')))
                return 1;
        }
    return 0;
}

/* For each function, the bindings of the local names and `self.x`
 * attributes its events and runner calls use as receivers
 * (`await conn.fetch()`, `nursery.start_soon(f)`), found by walking only
 * the definitions that have such uses. */
void
gen_bind_pass(struct gen_file *f, TSNode root, const TSNode *nodes,
              const long *parents, const char *src)
{
    struct gen_bindctx ctx = {
        .nodes = nodes, .parents = parents, .f = f, .root = root};
    struct gen_bindctx *m = &ctx;
    size_t i, j;

    for (i = 0; i < f->nfuncs; i++) {
        struct gen_func *fn = &f->funcs[i];
        size_t pi = (fn->flags & GEN_FN_METHOD) ? 1 : 0;

        if (fn->flags & GEN_FN_CLASS)
            continue;
        /* A helper that awaits its first parameter counts only while the
         * parameter is the caller's value (index.c). */
        if ((fn->flags & GEN_FN_ASYNC) && pi < fn->nparams &&
            fn->params[pi].name != NULL && fn->params[pi].name[0] != '*' &&
            gen_maybe_rebound(gen_field(nodes[i], FLD_BODY),
                              fn->params[pi].name, src))
            fn->flags |= GEN_FN_ARG_REBOUND;
        for (j = 0; j < fn->nevents; j++) {
            const struct gen_event *ev = &fn->events[j];

            want_bind(m, f, i, ev->callee, src);
            want_bind(m, f, i, ev->arg, src);
            /* `coro = loop.create_connection(...)`, then `await coro`;
             * `self.f = partial(g, ...)`, then `await self.f()`. */
            if (ev->callee != NULL && (strchr(ev->callee, '.') == NULL ||
                                       (strncmp(ev->callee, "self.", 5) == 0 &&
                                        strchr(ev->callee + 5, '.') == NULL &&
                                        !is_method(m, i, ev->callee + 5)))) {
                char *k = gen_xasprintf("%s.x", ev->callee);

                want_bind(m, f, i, k, src);
                free(k);
            }
        }
    }
    /* What a plain function returns, as a fixture's value: `return
     * _execute` at the end of its body (only a bare name). */
    for (i = 0; i < f->nfuncs; i++) {
        struct gen_func *fn = &f->funcs[i];
        TSNode body, last;
        uint32_t k;

        if (fn->yields != NULL || (fn->flags & (GEN_FN_CLASS | GEN_FN_GEN)) ||
            fn->ndecos == 0)
            continue;
        body = gen_field(nodes[i], FLD_BODY);
        k = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
        if (k == 0)
            continue;
        last = ts_node_named_child(body, k - 1);
        if (gen_is(last, SYM_RETURN_STATEMENT) &&
            ts_node_named_child_count(last) == 1 &&
            gen_is(ts_node_named_child(last, 0), SYM_IDENTIFIER))
            fn->yields = gen_node_text(ts_node_named_child(last, 0), src);
        else if (gen_is(last, SYM_RETURN_STATEMENT) &&
                 ts_node_named_child_count(last) == 1 && fixture_like(fn))
            returned_call(fn, ts_node_named_child(last, 0), src,
                          ts_node_start_point(last).row + 1);
    }
    /* What a fixture yields: `async with open_loop() as loop: yield loop`
     * types the tests' `loop` parameter. */
    for (i = 0; i < f->nfuncs; i++) {
        char *k;

        if (f->funcs[i].yields == NULL ||
            strchr(f->funcs[i].yields, '.') != NULL)
            continue;
        k = gen_xasprintf("%s.x", f->funcs[i].yields);
        want_bind(m, f, i, k, src);
        free(k);
    }
    for (j = 0; j < f->ncalls; j++) {
        long fi = f->calls[j].func;

        if (fi >= 0 && !(f->funcs[fi].flags & GEN_FN_CLASS))
            want_bind(m, f, (size_t)fi, f->calls[j].callee, src);
    }
    /* What constructor arguments are: `Database(redis)`. */
    for (j = 0; j < f->nctors; j++) {
        const struct gen_ctor *c = &f->ctors[j];
        long fi = c->func;
        char *k;

        if (fi < 0 || (f->funcs[fi].flags & GEN_FN_CLASS) || c->arg == NULL)
            continue;
        k = c->argkind == GEN_CTOR_CALL ? gen_xstrdup(c->arg)
                                        : gen_xasprintf("%s.x", c->arg);
        want_bind(m, f, (size_t)fi, k, src);
        free(k);
    }
    /* `@app.route(...)` where `app = QuartTrio(__name__)`. */
    for (i = 0; i < f->nfuncs; i++)
        for (j = 0; j < f->funcs[i].ndecos; j++)
            if (!(f->funcs[i].flags & GEN_FN_CLASS))
                want_bind(m, f, i, f->funcs[i].decos[j].name, src);
    for (i = 0; i < m->nmb; i++) {
        free(m->mb[i].name);
        free(m->mb[i].type);
    }
    free(m->mb);
    for (i = 0; i < m->nmemos; i++) {
        for (j = 0; j < m->memos[i]->n; j++) {
            free(m->memos[i]->binds[j].name);
            free(m->memos[i]->binds[j].type);
        }
        free(m->memos[i]->binds);
        free(m->memos[i]);
    }
    free(m->memos);
    gen_map_free(&m->scans);
    for (i = 0; i < m->nlists; i++) {
        free(m->lists[i]->v);
        free(m->lists[i]);
    }
    free(m->lists);
    gen_map_free(&m->subtrees);
}
