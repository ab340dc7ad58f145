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

struct gen_modeler {
    TSParser *parser;
    struct scope *stack;
    size_t depth, cap;
    uint32_t *kw; /* offsets of keywords in the current source */
    size_t nkw, capkw;
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

static void
add_event(struct gen_file *f, long fi, TSNode expr, TSNode at,
          enum gen_ev_kind kind, const char *src)
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
    GEN_PUSH(fn->events, fn->nevents, fn->capevents, ev);
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
    const char *top = module;

    im.local = gen_xstrndup(local, nlocal);
    im.module = gen_xstrdup(module);
    im.name = name ? gen_xstrdup(name) : NULL;
    im.level = level;
    GEN_PUSH(f->imports, f->nimports, f->capimports, im);
    if (level == 0) {
        size_t n = strcspn(top, ".");

        /* Which worlds the module lives in, from its absolute imports. */
        if ((n == 7 && memcmp(top, "asyncio", 7) == 0) ||
            (n > 3 && memcmp(top, "aio", 3) == 0))
            f->imports_aio = 1;
        else if (n == 4 && memcmp(top, "trio", 4) == 0)
            f->imports_trio = 1;
    }
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
    GEN_PUSH(f->funcs, f->nfuncs, f->capfuncs, fn);
    return (long)f->nfuncs - 1;
}

/* Offsets of every byte that can start something the model reads: '#'
 * (comments) and the words await, yield, async, def, class, import.  A
 * subtree with none of them inside cannot hold a capture, so the walk
 * skips it; most of a typical tree is skipped this way. */
static void
find_keywords(struct gen_modeler *m, const char *src, size_t len)
{
    static const char *const words[] = {"await", "yield", "async",
                                        "def",   "class", "import"};
    size_t i = 0, w;

    m->nkw = 0;
    while (i < len) {
        unsigned char c = (unsigned char)src[i];

        if (c == '#') {
            GEN_PUSH(m->kw, m->nkw, m->capkw, (uint32_t)i);
            i++;
        }
        else if (isalpha(c) || c == '_' || c >= 0x80) {
            size_t j = i + 1;

            while (j < len && (isalnum((unsigned char)src[j]) ||
                               src[j] == '_' || (unsigned char)src[j] >= 0x80))
                j++;
            if (j - i >= 3 && j - i <= 6 && strchr("aydci", c) != NULL)
                for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
                    if (strlen(words[w]) == j - i &&
                        memcmp(words[w], src + i, j - i) == 0) {
                        GEN_PUSH(m->kw, m->nkw, m->capkw, (uint32_t)i);
                        break;
                    }
            i = j;
        }
        else {
            i++;
        }
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
    find_keywords(m, src, len);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        uint32_t start = ts_node_start_byte(n);
        TSSymbol sym;
        enum gen_cap cap;
        long cur;

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
        cur = m->depth ? m->stack[m->depth - 1].func : -1;
        /* Events belong to the innermost function, never to a class. */
        if (cur >= 0 && (f->funcs[cur].flags & GEN_FN_CLASS))
            cur = -1;
        switch (cap) {
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
                add_event(f, cur, ts_node_named_child(n, 0), n, GEN_EV_AWAIT,
                          src);
            break;
        case CAP_WITH:
            if (starts_async(n)) {
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
                        if (gen_is(v, SYM_AS_PATTERN) &&
                            ts_node_named_child_count(v) > 0)
                            v = ts_node_named_child(v, 0);
                        add_event(f, cur, v, v, GEN_EV_WITH, src);
                    }
                }
            }
            break;
        case CAP_FOR:
        case CAP_FOR_CLAUSE:
            if (starts_async(n)) {
                TSNode r = gen_field(n, FLD_RIGHT);

                if (!ts_node_is_null(r))
                    add_event(f, cur, r, r, GEN_EV_FOR, src);
            }
            break;
        case CAP_YIELD:
            if (cur >= 0)
                f->funcs[cur].flags |= GEN_FN_GEN;
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
    }
    free(f->funcs);
    for (i = 0; i < f->nnoqa; i++)
        free(f->noqa[i].codes);
    free(f->noqa);
    free(f->src);
    if (f->tree != NULL)
        ts_tree_delete(f->tree);
    memset(f, 0, sizeof(*f));
}
