#include "syntax.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "lang.h"
#include "util.h"

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

void
gen_node_pos(TSNode n, const char *src, uint32_t *line, uint32_t *col)
{
    TSPoint p = ts_node_start_point(n);
    uint32_t b = ts_node_start_byte(n);

    *line = p.row + 1;
    *col = gen_char_col(src, b - p.column, b);
}

char *
gen_node_text(TSNode n, const char *src)
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

TSNode
gen_unparen(TSNode n)
{
    while (!ts_node_is_null(n) && gen_is(n, SYM_PARENTHESIZED_EXPRESSION) &&
           ts_node_named_child_count(n) == 1)
        n = ts_node_named_child(n, 0);
    return n;
}

/* The first positional argument of a call, or a null node. */
TSNode
gen_first_arg(TSNode call)
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

char *
gen_callable_name(TSNode n, const char *src)
{
    n = gen_unparen(n);
    if (ts_node_is_null(n))
        return NULL;
    if (gen_is(n, SYM_CALL))
        return gen_dotted(gen_field(n, FLD_FUNCTION), src);
    return gen_dotted(n, src);
}

const char *
gen_last_part(const char *dotted)
{
    const char *dot = strrchr(dotted, '.');

    return dot ? dot + 1 : dotted;
}

int
gen_name_in(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* The want-th positional argument of a call (0-based), or a null node;
 * nothing after a *args, whose length is unknown. */
TSNode
gen_nth_arg(TSNode call, uint32_t want)
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

int
gen_text_is(TSNode n, const char *src, const char *s)
{
    char *d = gen_dotted(n, src);
    int r = d != NULL && strcmp(d, s) == 0;

    free(d);
    return r;
}

/* The library a string literal names: GEN_DOM_TRIO for "trio",
 * GEN_DOM_AIO for "asyncio", else 0. */
int
gen_lib_literal(TSNode str, const char *src)
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

/* Whether g names a mapping type: dict, typing's Dict, Mapping,
 * MutableMapping, collections' defaultdict and OrderedDict. */
static int
is_mapping(TSNode g, const char *src)
{
    static const char *const names[] = {
        "dict",
        "Dict",
        "typing.Dict",
        "Mapping",
        "typing.Mapping",
        "collections.abc.Mapping",
        "MutableMapping",
        "typing.MutableMapping",
        "collections.abc.MutableMapping",
        "defaultdict",
        "collections.defaultdict",
        "OrderedDict",
        "collections.OrderedDict",
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (gen_text_is(g, src, names[i]))
            return 1;
    return 0;
}

/* The dotted name an annotation spells: `T`, `a.T`, or the same in a
 * string ("a.T"); NULL for anything else (Optional[T]...). */
char *
gen_annot_name(TSNode type, const char *src)
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
            return gen_annot_name(l, src);
        if (!ts_node_is_null(l) && gen_is(l, SYM_NONE))
            return gen_annot_name(r, src);
        return NULL;
    }
    if (gen_is(e, SYM_GENERIC_TYPE) && ts_node_named_child_count(e) == 2) {
        TSNode g = ts_node_named_child(e, 0), tp = ts_node_named_child(e, 1);

        if (gen_text_is(g, src, "Optional") ||
            gen_text_is(g, src, "typing.Optional"))
            if (gen_is(tp, SYM_TYPE_PARAMETER) &&
                ts_node_named_child_count(tp) == 1)
                return gen_annot_name(ts_node_named_child(tp, 0), src);
        /* `dict[K, V]` and the like: "{}V", whose `.pop()`/`.get()` the
         * index reads as a V (no other use names a type). */
        if (gen_is(tp, SYM_TYPE_PARAMETER) &&
            ts_node_named_child_count(tp) == 2 && is_mapping(g, src)) {
            char *v = gen_annot_name(ts_node_named_child(tp, 1), src), *r;

            if (v == NULL || v[0] == '{') {
                free(v);
                return NULL;
            }
            r = gen_xasprintf("{}%s", v);
            free(v);
            return r;
        }
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

int
gen_starts_async(TSNode n)
{
    return ts_node_child_count(n) > 0 &&
           gen_is(ts_node_child(n, 0), SYM_ASYNC);
}
