#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "util.h"

/* A definition that encloses the captures that follow it, by byte range. */
struct scope {
    uint32_t end_byte;
    long func; /* index into f->funcs */
};

/* A dispatch branch: events inside [start, end) are in domain `region`. */
struct region {
    uint32_t start, end;
    uint8_t region;
};

struct gen_modeler {
    TSParser *parser;
    struct scope *stack;
    size_t depth, cap;
    uint32_t *kw; /* offsets of keywords in the current source */
    size_t nkw, capkw;
    /* Regions in the order their `if` statements start; innermost last. */
    struct region *regions;
    size_t nregions, capregions;
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
    free(m->regions);
    free(m->nodes);
    free(m->parents);
    free(m);
}

uint32_t
gen_char_col(const char *src, uint32_t line_start, uint32_t byte)
{
    uint32_t col = 1, i;

    /* Count UTF-8 lead bytes so that the column is in characters. */
    for (i = line_start; i < byte; i++)
        if (((unsigned char)src[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static void
node_pos(TSNode n, const char *src, uint32_t *line, uint32_t *col)
{
    TSPoint p = ts_node_start_point(n);
    uint32_t b = ts_node_start_byte(n);

    *line = p.row + 1;
    *col = gen_char_col(src, b - p.column, b);
}

static char *
node_text(TSNode n, const char *src)
{
    uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);

    return gen_xstrndup(src + a, b - a);
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

static int
dotted_into(TSNode n, const char *src, struct gen_buf *b, int depth)
{
    if (depth > 32 || ts_node_is_null(n))
        return 0;
    if (gen_is(n, SYM_IDENTIFIER)) {
        uint32_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);

        gen_buf_append(b, src + a, e - a);
        return 1;
    }
    if (gen_is(n, SYM_ATTRIBUTE)) {
        TSNode obj = gen_field(n, FLD_OBJECT);
        TSNode attr = gen_field(n, FLD_ATTRIBUTE);
        uint32_t a, e;

        if (ts_node_is_null(attr) || !dotted_into(obj, src, b, depth + 1))
            return 0;
        a = ts_node_start_byte(attr);
        e = ts_node_end_byte(attr);
        gen_buf_append(b, ".", 1);
        gen_buf_append(b, src + a, e - a);
        return 1;
    }
    if (gen_is(n, SYM_CALL)) {
        /* super() as the object of an attribute: `super().m` is spelled
         * "super.m", which the index resolves through the bases. */
        TSNode fnode = gen_field(n, FLD_FUNCTION);
        TSNode args = gen_field(n, FLD_ARGUMENTS);
        uint32_t a, e;

        if (depth == 0 || ts_node_is_null(fnode) ||
            !gen_is(fnode, SYM_IDENTIFIER) || ts_node_is_null(args) ||
            ts_node_named_child_count(args) != 0)
            return 0;
        a = ts_node_start_byte(fnode);
        e = ts_node_end_byte(fnode);
        if (e - a != 5 || memcmp(src + a, "super", 5) != 0)
            return 0;
        gen_buf_append(b, "super", 5);
        return 1;
    }
    if (gen_is(n, SYM_DOTTED_NAME)) {
        uint32_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);
        uint32_t i;

        /* Drop whitespace and comments a continuation line may hold. */
        for (i = a; i < e; i++)
            if (!isspace((unsigned char)src[i]))
                gen_buf_append(b, src + i, 1);
        return 1;
    }
    return 0;
}

char *
gen_dotted(TSNode n, const char *src)
{
    struct gen_buf b = {0};

    if (!dotted_into(n, src, &b, 0)) {
        gen_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static TSNode
unparen(TSNode n)
{
    while (!ts_node_is_null(n) && gen_is(n, SYM_PARENTHESIZED_EXPRESSION) &&
           ts_node_named_child_count(n) == 1)
        n = ts_node_named_child(n, 0);
    return n;
}

/* The first positional argument of a call, or a null node. */
static TSNode
first_arg(TSNode call)
{
    TSNode args = gen_field(call, FLD_ARGUMENTS), null = {0};
    uint32_t i, n;

    if (ts_node_is_null(args) || !gen_is(args, SYM_ARGUMENT_LIST))
        return null;
    n = ts_node_named_child_count(args);
    for (i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);

        if (gen_is(a, SYM_KEYWORD_ARGUMENT) || gen_is(a, SYM_COMMENT))
            continue;
        return a;
    }
    return null;
}

static char *
callable_name(TSNode n, const char *src)
{
    n = unparen(n);
    if (ts_node_is_null(n))
        return NULL;
    if (gen_is(n, SYM_CALL))
        return gen_dotted(gen_field(n, FLD_FUNCTION), src);
    return gen_dotted(n, src);
}

/* The dispatch region around byte b: the innermost one that holds it. */
static uint8_t
region_at(const struct gen_modeler *m, uint32_t b)
{
    size_t i;

    for (i = m->nregions; i-- > 0;)
        if (m->regions[i].start <= b && b < m->regions[i].end)
            return m->regions[i].region;
    return GEN_REGION_NONE;
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
    expr = unparen(expr);
    if (ts_node_is_null(expr))
        return;
    ev.kind = (uint8_t)kind;
    if (gen_is(expr, SYM_CALL)) {
        TSNode fnode = unparen(gen_field(expr, FLD_FUNCTION));

        if (!ts_node_is_null(fnode) && gen_is(fnode, SYM_CALL)) {
            ev.shape = GEN_SHAPE_CALLCALL;
            ev.callee = gen_dotted(gen_field(fnode, FLD_FUNCTION), src);
            ev.arg = callable_name(first_arg(fnode), src);
        }
        else {
            TSNode a = unparen(first_arg(expr));

            ev.shape = GEN_SHAPE_CALL;
            ev.callee = gen_dotted(fnode, src);
            ev.arg = callable_name(a, src);
            ev.arg_is_call = !ts_node_is_null(a) && gen_is(a, SYM_CALL);
        }
    }
    else {
        ev.callee = gen_dotted(expr, src);
        ev.shape = ev.callee ? GEN_SHAPE_NAME : GEN_SHAPE_OTHER;
    }
    if (ev.callee == NULL && ev.arg == NULL)
        return; /* nothing the checker could ever say about it */
    node_pos(at, src, &ev.line, &ev.col);
    ev.region = region_at(m, ts_node_start_byte(at));
    if (ev.region)
        fn->flags |= GEN_FN_DISPATCH;
    GEN_PUSH(fn->events, fn->nevents, fn->capevents, ev);
}

static const char *
last_part(const char *dotted)
{
    const char *dot = strrchr(dotted, '.');

    return dot ? dot + 1 : dotted;
}

static int
name_in(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}
#define NAME_IN(s, l) name_in((s), (l), sizeof(l) / sizeof((l)[0]))

/* The want-th positional argument of a call (0-based), or a null node;
 * nothing after a *args, whose length is unknown. */
static TSNode
nth_arg(TSNode call, uint32_t want)
{
    TSNode args = gen_field(call, FLD_ARGUMENTS), null = {0};
    uint32_t i, n, k = 0;

    if (ts_node_is_null(args) || !gen_is(args, SYM_ARGUMENT_LIST))
        return null;
    n = ts_node_named_child_count(args);
    for (i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);

        if (gen_is(a, SYM_KEYWORD_ARGUMENT) || gen_is(a, SYM_COMMENT) ||
            gen_is(a, SYM_DICTIONARY_SPLAT))
            continue;
        if (gen_is(a, SYM_LIST_SPLAT))
            return null;
        if (k++ == want)
            return a;
    }
    return null;
}

/* The callable an argument hands over: f in `f`, `f(...)` (a coroutine
 * of f) and `functools.partial(f, ...)`. */
static char *
handed_callable(TSNode a, const char *src)
{
    a = unparen(a);
    if (!ts_node_is_null(a) && gen_is(a, SYM_CALL)) {
        char *fn = gen_dotted(gen_field(a, FLD_FUNCTION), src);

        if (fn != NULL && strcmp(last_part(fn), "partial") == 0) {
            free(fn);
            return callable_name(nth_arg(a, 0), src);
        }
        return fn;
    }
    return callable_name(a, src);
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

static void
do_call(struct gen_modeler *m, struct gen_file *f, long fi, TSNode n,
        const char *src)
{
    TSNode fnode = unparen(gen_field(n, FLD_FUNCTION));
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
    if (!is_kword(src + ab, ae - ab))
        return;
    callee = gen_dotted(fnode, src);
    if (callee == NULL)
        return;
    last = last_part(callee);
    if (strcmp(last, "gather") == 0)
        all = 1;
    else if (strcmp(last, "call_later") == 0 || strcmp(last, "call_at") == 0)
        which = 1;
    else if (!NAME_IN(last, first_arg_runners)) {
        free(callee);
        return;
    }
    /* trio_asyncio.run(allow_asyncio, f): f may mix both on purpose. */
    if (strcmp(last, "run") == 0) {
        char *first = handed_callable(nth_arg(n, 0), src);

        if (first != NULL && strcmp(last_part(first), "allow_asyncio") == 0) {
            free(callee);
            callee = first;
            first = NULL;
            which = 1;
        }
        free(first);
    }
    for (k = 0; k < 64; k++) {
        TSNode a = nth_arg(n, k);
        struct gen_call c = {0};

        if (ts_node_is_null(a))
            break;
        if (!all && k != which)
            continue;
        c.arg = handed_callable(a, src);
        if (c.arg != NULL) {
            c.callee = gen_xstrdup(callee);
            c.func = fi;
            c.region = region_at(m, ts_node_start_byte(n));
            node_pos(a, src, &c.line, &c.col);
            GEN_PUSH(f->calls, f->ncalls, f->capcalls, c);
        }
        if (!all)
            break;
    }
    free(callee);
}

/* A test of the running library: `X == "trio"` where X is
 * `sniffio.current_async_library()` or a name (a backend parameter).
 * Returns the domain named, | 8 when the test is negated (!=, is not),
 * or 0. */
static int
dispatch_test(TSNode cond, const char *src)
{
    uint32_t i, k;
    int dom = 0, neg = 0, other = 0;

    cond = unparen(cond);
    if (ts_node_is_null(cond) || !gen_is(cond, SYM_COMPARISON_OPERATOR) ||
        ts_node_named_child_count(cond) != 2)
        return 0;
    k = ts_node_child_count(cond);
    for (i = 0; i < k; i++) {
        TSNode ch = ts_node_child(cond, i);
        const char *t = ts_node_type(ch);

        if (!ts_node_is_named(ch)) {
            if (strcmp(t, "!=") == 0 || strcmp(t, "not") == 0)
                neg = 1;
            else if (strcmp(t, "==") != 0 && strcmp(t, "is") != 0)
                return 0;
            continue;
        }
        if (gen_is(ch, SYM_STRING)) {
            uint32_t j, m = ts_node_named_child_count(ch);

            for (j = 0; j < m; j++) {
                TSNode sc = ts_node_named_child(ch, j);
                uint32_t a = ts_node_start_byte(sc), e = ts_node_end_byte(sc);

                if (!gen_is(sc, SYM_STRING_CONTENT))
                    continue;
                if (e - a == 4 && memcmp(src + a, "trio", 4) == 0)
                    dom = GEN_DOM_TRIO;
                else if (e - a == 7 && memcmp(src + a, "asyncio", 7) == 0)
                    dom = GEN_DOM_AIO;
            }
        }
        else if (gen_is(ch, SYM_CALL)) {
            char *fn = gen_dotted(gen_field(ch, FLD_FUNCTION), src);

            other = fn != NULL &&
                    strcmp(last_part(fn), "current_async_library") == 0;
            free(fn);
        }
        else if (gen_is(ch, SYM_IDENTIFIER) || gen_is(ch, SYM_ATTRIBUTE) ||
                 gen_is(ch, SYM_SUBSCRIPT)) {
            other = 1;
        }
    }
    if (!dom || !other)
        return 0;
    return dom | (neg ? 8 : 0);
}

static void
push_region(struct gen_modeler *m, TSNode block, uint8_t region)
{
    struct region r;

    if (ts_node_is_null(block))
        return;
    r.start = ts_node_start_byte(block);
    r.end = ts_node_end_byte(block);
    r.region = region;
    GEN_PUSH(m->regions, m->nregions, m->capregions, r);
}

/* A guard clause: `if library != "trio": ...; return` with no else makes
 * the rest of the enclosing block the other side of the test. */
static void
guard_region(struct gen_modeler *m, TSNode ifn, TSNode cons, uint8_t rest)
{
    TSNode parent = ts_node_parent(ifn), last;
    uint32_t k;
    struct region r;

    if (ts_node_is_null(cons) ||
        !ts_node_is_null(gen_field(ifn, FLD_ALTERNATIVE)))
        return;
    k = ts_node_named_child_count(cons);
    if (k == 0 || ts_node_is_null(parent) || !gen_is(parent, SYM_BLOCK))
        return;
    last = ts_node_named_child(cons, k - 1);
    if (!gen_is(last, SYM_RETURN_STATEMENT) &&
        !gen_is(last, SYM_RAISE_STATEMENT))
        return;
    r.start = ts_node_end_byte(ifn);
    r.end = ts_node_end_byte(parent);
    r.region = rest;
    if (r.start < r.end)
        GEN_PUSH(m->regions, m->nregions, m->capregions, r);
}

/* The branches of an if/elif/else chain that tests the running library
 * become regions; an `else` after such a test is the other side of it:
 * the named domain after `!=`, neither after `==` (it may be curio). */
static void
do_if(struct gen_modeler *m, TSNode n, const char *src)
{
    int t = dispatch_test(gen_field(n, FLD_CONDITION), src);
    uint8_t els = 0;
    TSTreeCursor c;

    if (t) {
        TSNode cons = gen_field(n, FLD_CONSEQUENCE);

        push_region(m, cons, (t & 8) ? GEN_REGION_OTHER : (uint8_t)(t & 3));
        els = (t & 8) ? (uint8_t)(t & 3) : GEN_REGION_OTHER;
        guard_region(m, n, cons, els);
    }
    c = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode ch = ts_tree_cursor_current_node(&c);

            if (ts_tree_cursor_current_field_id(&c) !=
                gen_lang.fld[FLD_ALTERNATIVE])
                continue;
            if (gen_is(ch, SYM_ELIF_CLAUSE)) {
                int t2 = dispatch_test(gen_field(ch, FLD_CONDITION), src);

                if (t2) {
                    push_region(m, gen_field(ch, FLD_CONSEQUENCE),
                                (t2 & 8) ? GEN_REGION_OTHER
                                         : (uint8_t)(t2 & 3));
                    els = (t2 & 8) ? (uint8_t)(t2 & 3) : GEN_REGION_OTHER;
                }
            }
            else if (gen_is(ch, SYM_ELSE_CLAUSE) && els) {
                push_region(m, gen_field(ch, FLD_BODY), els);
            }
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
}

static int
text_is(TSNode n, const char *src, const char *s)
{
    char *d = gen_dotted(n, src);
    int r = d != NULL && strcmp(d, s) == 0;

    free(d);
    return r;
}

/* The library a string literal names: GEN_DOM_TRIO for "trio",
 * GEN_DOM_AIO for "asyncio", else 0. */
static int
lib_literal(TSNode str, const char *src)
{
    uint32_t j, m = ts_node_named_child_count(str);

    for (j = 0; j < m; j++) {
        TSNode sc = ts_node_named_child(str, j);
        uint32_t a = ts_node_start_byte(sc), e = ts_node_end_byte(sc);

        if (!gen_is(sc, SYM_STRING_CONTENT))
            continue;
        if (e - a == 4 && memcmp(src + a, "trio", 4) == 0)
            return GEN_DOM_TRIO;
        if (e - a == 7 && memcmp(src + a, "asyncio", 7) == 0)
            return GEN_DOM_AIO;
    }
    return 0;
}

/* `match backend: case "trio": ...`: each case on a library literal is a
 * region of that domain, every other case is neither.  The subject must
 * be a name, a subscript or current_async_library(). */
static void
do_match(struct gen_modeler *m, TSNode n, const char *src)
{
    TSNode subj = unparen(gen_field(n, FLD_SUBJECT)), body;
    uint32_t i, k;
    int any = 0;

    if (ts_node_is_null(subj))
        return;
    if (gen_is(subj, SYM_CALL)) {
        char *fn = gen_dotted(gen_field(subj, FLD_FUNCTION), src);
        int ok =
            fn != NULL && strcmp(last_part(fn), "current_async_library") == 0;

        free(fn);
        if (!ok)
            return;
    }
    else if (!gen_is(subj, SYM_IDENTIFIER) && !gen_is(subj, SYM_ATTRIBUTE) &&
             !gen_is(subj, SYM_SUBSCRIPT)) {
        return;
    }
    body = gen_field(n, FLD_BODY);
    k = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
    for (i = 0; i < k; i++) {
        TSNode cl = ts_node_named_child(body, i), pat;
        int dom = 0;

        if (!gen_is(cl, SYM_CASE_CLAUSE) || ts_node_named_child_count(cl) < 1)
            continue;
        pat = ts_node_named_child(cl, 0);
        if (gen_is(pat, SYM_CASE_PATTERN) &&
            ts_node_named_child_count(pat) == 1 &&
            gen_is(ts_node_named_child(pat, 0), SYM_STRING))
            dom = lib_literal(ts_node_named_child(pat, 0), src);
        any |= dom;
        push_region(m, gen_field(cl, FLD_CONSEQUENCE),
                    dom ? (uint8_t)dom : GEN_REGION_OTHER);
    }
    if (!any) /* not a dispatch after all: drop its regions */
        while (m->nregions > 0 &&
               m->regions[m->nregions - 1].start >= ts_node_start_byte(n))
            m->nregions--;
}

/* The dotted name an annotation spells: `T`, `a.T`, or the same in a
 * string ("a.T"); NULL for anything else (Optional[T]...). */
static char *
annot_name(TSNode type, const char *src)
{
    TSNode e;

    if (ts_node_is_null(type))
        return NULL;
    e = gen_is(type, SYM_TYPE) && ts_node_named_child_count(type) > 0
            ? ts_node_named_child(type, 0)
            : type;
    /* `T | None` and `Optional[T]` are T for what its methods are. */
    if (gen_is(e, SYM_BINARY_OPERATOR)) {
        TSNode l = gen_field(e, FLD_LEFT), r = gen_field(e, FLD_RIGHT);

        if (!ts_node_is_null(r) && gen_is(r, SYM_NONE))
            return annot_name(l, src);
        if (!ts_node_is_null(l) && gen_is(l, SYM_NONE))
            return annot_name(r, src);
        return NULL;
    }
    if (gen_is(e, SYM_GENERIC_TYPE) && ts_node_named_child_count(e) == 2) {
        TSNode g = ts_node_named_child(e, 0), tp = ts_node_named_child(e, 1);

        if (text_is(g, src, "Optional") || text_is(g, src, "typing.Optional"))
            if (gen_is(tp, SYM_TYPE_PARAMETER) &&
                ts_node_named_child_count(tp) == 1)
                return annot_name(ts_node_named_child(tp, 0), src);
        return NULL;
    }
    if (gen_is(e, SYM_STRING)) {
        uint32_t j, m = ts_node_named_child_count(e);

        for (j = 0; j < m; j++) {
            TSNode sc = ts_node_named_child(e, j);
            uint32_t a = ts_node_start_byte(sc), b = ts_node_end_byte(sc), i;

            if (!gen_is(sc, SYM_STRING_CONTENT) || b == a)
                continue;
            for (i = a; i < b; i++)
                if (!isalnum((unsigned char)src[i]) && src[i] != '_' &&
                    src[i] != '.')
                    return NULL;
            return gen_xstrndup(src + a, b - a);
        }
        return NULL;
    }
    return gen_dotted(e, src);
}

static void
add_bind(struct gen_bind **v, size_t *n, size_t *cap, char *name, char *type,
         uint32_t line)
{
    struct gen_bind b;

    b.name = name;
    b.type = type;
    b.line = line;
    b.resolved = 0;
    GEN_PUSH(*v, *n, *cap, b);
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
                add_bind(&fn->params, &fn->nparams, &fn->capparams, NULL, d,
                         ts_node_start_point(b).row + 1);
        }
        return;
    }
    fn->ret = annot_name(gen_field(n, FLD_RETURN_TYPE), src);
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
        add_bind(&fn->params, &fn->nparams, &fn->capparams, node_text(nm, src),
                 annot_name(ty, src), ts_node_start_point(p).row + 1);
    }
}

static int
starts_async(TSNode n)
{
    return ts_node_child_count(n) > 0 &&
           gen_is(ts_node_child(n, 0), SYM_ASYNC);
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
        e = unparen(ts_node_named_child(d, 0));
        if (gen_is(e, SYM_CALL)) {
            dec.called = 1;
            dec.name = gen_dotted(gen_field(e, FLD_FUNCTION), src);
        }
        else {
            dec.name = gen_dotted(e, src);
        }
        node_pos(d, src, &dec.line, &dec.col);
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
    node_pos(n, src, &f->err_line, &f->err_col);
}

static long
new_func(struct gen_file *f, struct gen_modeler *m, TSNode n, const char *src,
         uint32_t flags, struct gen_decorator *decos, size_t ndecos)
{
    struct gen_func fn = {0};
    TSNode name = gen_field(n, FLD_NAME);
    long parent = m->depth ? m->stack[m->depth - 1].func : -1;
    char *nm = ts_node_is_null(name) ? gen_xstrdup("<anonymous>")
                                     : node_text(name, src);

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
    if (starts_async(n))
        flags |= GEN_FN_ASYNC;
    if (ts_node_has_error(n))
        flags |= GEN_FN_ERROR;
    fn.flags = flags;
    fn.decos = decos;
    fn.ndecos = ndecos;
    fn.start_byte = ts_node_start_byte(n);
    node_pos(n, src, &fn.line, &fn.col);
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
            if (is_kword(src + i, j - i))
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

    v = unparen(v);
    if (!gen_is(v, SYM_CALL))
        return;
    fn = gen_dotted(gen_field(v, FLD_FUNCTION), src);
    if (fn != NULL && NAME_IN(last_part(fn), scopes))
        add_event(m, f, cur, v, v, GEN_EV_SCOPE, src);
    /* Code under pytest.raises() is expected to fail: a test that
     * a crossing raises is not a crossing to report. */
    if (fn != NULL && strcmp(fn, "pytest.raises") == 0)
        push_region(m, gen_field(n, FLD_BODY), GEN_REGION_OTHER);
    free(fn);
}

static void
async_with_item(struct gen_modeler *m, struct gen_file *f, long cur, TSNode n,
                TSNode v, const char *src)
{
    add_event(m, f, cur, v, v, GEN_EV_WITH, src);
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
    m->nregions = 0;
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
            do_if(m, n, src);
            break;
        case CAP_MATCH:
            do_match(m, n, src);
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
                            starts_async(n) ? async_with_item : scope_item);
            break;
        case CAP_FOR:
        case CAP_FOR_CLAUSE:
            if (starts_async(n)) {
                TSNode r = gen_field(n, FLD_RIGHT);

                if (!ts_node_is_null(r))
                    add_event(m, f, cur, r, r, GEN_EV_FOR, src);
            }
            break;
        case CAP_YIELD:
            if (cur >= 0) {
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

/* ---- Bindings: what the receivers of awaited methods are --------------- */

/* The type a bound value has as written: the callee of `C(...)` or of
 * `await f(...)`; NULL for anything else. */
static char *
value_type_at(TSNode v, const char *src, int depth)
{
    char *fn;

    v = unparen(v);
    if (!ts_node_is_null(v) && gen_is(v, SYM_AWAIT) &&
        ts_node_named_child_count(v) > 0)
        v = unparen(ts_node_named_child(v, 0));
    if (ts_node_is_null(v) || !gen_is(v, SYM_CALL))
        return NULL;
    fn = gen_dotted(gen_field(v, FLD_FUNCTION), src);
    /* `await aio_as_trio(redis.from_url(...))` is what the inner call
     * makes. */
    if (fn != NULL && depth < 4 &&
        (strcmp(last_part(fn), "aio_as_trio") == 0 ||
         strcmp(last_part(fn), "trio_as_aio") == 0)) {
        free(fn);
        return value_type_at(nth_arg(v, 0), src, depth + 1);
    }
    return fn;
}

static char *
value_type(TSNode v, const char *src)
{
    return value_type_at(v, src, 0);
}

/* `self.x = conn` where conn is an annotated parameter of the function
 * the assignment is in: the annotation. */
static char *
param_type(TSNode assign, TSNode value, const char *src)
{
    TSNode d = assign, ps;
    uint32_t i, k;

    value = unparen(value);
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
        else if (gen_is(p, SYM_TYPED_DEFAULT_PARAMETER))
            nm = gen_field(p, FLD_NAME);
        if (!ts_node_is_null(nm) &&
            ts_node_end_byte(nm) - ts_node_start_byte(nm) ==
                ts_node_end_byte(value) - ts_node_start_byte(value) &&
            memcmp(src + ts_node_start_byte(nm),
                   src + ts_node_start_byte(value),
                   ts_node_end_byte(nm) - ts_node_start_byte(nm)) == 0)
            return annot_name(gen_field(p, FLD_TYPE), src);
    }
    return NULL;
}

/* Every binding of `name` in the subtree at top: assignments (with an
 * annotation or from a call), `with ... as name`; `attr`, if not NULL, is
 * also accepted as a bare annotated name (a class body's `x: T`). */
static int
scan_binds_walk(struct gen_func *fn, TSNode top, const char *name,
                const char *attr, const char *src);

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
scan_binds(struct gen_func *fn, TSNode top, const char *name, const char *attr,
           const char *src)
{
    if (!maybe_bound(top, name, src) &&
        (attr == NULL || !maybe_bound(top, attr, src)))
        return 0;
    return scan_binds_walk(fn, top, name, attr, src);
}

static int
scan_binds_walk(struct gen_func *fn, TSNode top, const char *name,
                const char *attr, const char *src)
{
    TSTreeCursor c = ts_tree_cursor_new(top);
    int found = 0;

    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        char *type = NULL;

        if (gen_is(n, SYM_ASSIGNMENT)) {
            TSNode left = gen_field(n, FLD_LEFT);
            TSNode ty = gen_field(n, FLD_TYPE);

            if (text_is(left, src, name) ||
                (attr != NULL && !ts_node_is_null(ty) &&
                 gen_is(left, SYM_IDENTIFIER) && text_is(left, src, attr))) {
                type = annot_name(ty, src);
                if (type == NULL)
                    type = value_type(gen_field(n, FLD_RIGHT), src);
                if (type == NULL)
                    type = param_type(n, gen_field(n, FLD_RIGHT), src);
            }
        }
        else if (gen_is(n, SYM_AS_PATTERN) &&
                 ts_node_named_child_count(n) > 1) {
            TSNode al = gen_field(n, FLD_ALIAS);

            if (!ts_node_is_null(al) && gen_is(al, SYM_AS_PATTERN_TARGET) &&
                ts_node_named_child_count(al) > 0)
                al = ts_node_named_child(al, 0);
            if (text_is(al, src, name))
                type = value_type(ts_node_named_child(n, 0), src);
        }
        if (type != NULL) {
            add_bind(&fn->binds, &fn->nbinds, &fn->capbinds, gen_xstrdup(name),
                     type, ts_node_start_point(n).row + 1);
            found = 1;
        }
        if (ts_tree_cursor_goto_first_child(&c))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c))
                goto done;
    }
done:
    ts_tree_cursor_delete(&c);
    return found;
}

/* Record that `name` was looked for and is not bound, so that it is not
 * looked for again. */
static void
searched(struct gen_func *fn, const char *name)
{
    add_bind(&fn->binds, &fn->nbinds, &fn->capbinds, gen_xstrdup(name), NULL,
             0);
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

/* Find the bindings of the receiver of `cal` (a dotted callee used in
 * f->funcs[i]) unless they were looked for already. */
static void
want_bind_d(struct gen_modeler *m, struct gen_file *f, size_t i,
            const char *cal, const char *src, int depth);

/* The receivers the types just found are spelled with: `channel =
 * r.pubsub()` needs what r is too. */
static void
want_chain(struct gen_modeler *m, struct gen_file *f, size_t i, size_t from,
           const char *src, int depth)
{
    size_t j, end = f->funcs[i].nbinds;

    if (depth >= 3)
        return;
    for (j = from; j < end; j++) {
        char *t = f->funcs[i].binds[j].type
                      ? gen_xstrdup(f->funcs[i].binds[j].type)
                      : NULL;

        if (t != NULL)
            want_bind_d(m, f, i, t, src, depth + 1);
        free(t);
    }
}

static void
want_bind(struct gen_modeler *m, struct gen_file *f, size_t i, const char *cal,
          const char *src)
{
    want_bind_d(m, f, i, cal, src, 0);
}

static void
want_bind_d(struct gen_modeler *m, struct gen_file *f, size_t i,
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
        if (!scan_binds(fn, m->nodes[cls], name, name + 5, src))
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
        if (scan_binds(fn, m->nodes[scope], name, NULL, src))
            break;
    }
    if (scope < 0 || (f->funcs[scope].flags & GEN_FN_CLASS))
        searched(fn, name);
    free(name);
    want_chain(m, f, i, from, src, depth);
}

/* For each function, the bindings of the local names and `self.x`
 * attributes its events and runner calls use as receivers
 * (`await conn.fetch()`, `nursery.start_soon(f)`), found by walking only
 * the definitions that have such uses. */
static void
bind_pass(struct gen_modeler *m, struct gen_file *f, const char *src)
{
    size_t i, j;

    for (i = 0; i < f->nfuncs; i++) {
        struct gen_func *fn = &f->funcs[i];

        if (fn->flags & GEN_FN_CLASS)
            continue;
        for (j = 0; j < fn->nevents; j++) {
            const struct gen_event *ev = &fn->events[j];

            want_bind(m, f, i, ev->callee, src);
            want_bind(m, f, i, ev->arg, src);
            /* `coro = loop.create_connection(...)`, then `await coro`. */
            if (ev->shape == GEN_SHAPE_NAME && ev->callee != NULL &&
                strchr(ev->callee, '.') == NULL) {
                char *k = gen_xasprintf("%s.x", ev->callee);

                want_bind(m, f, i, k, src);
                free(k);
            }
        }
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
    bind_pass(m, f, src);
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
    for (i = 0; i < f->nnoqa; i++)
        free(f->noqa[i].codes);
    free(f->noqa);
    free(f->src);
    if (f->tree != NULL)
        ts_tree_delete(f->tree);
    memset(f, 0, sizeof(*f));
}
