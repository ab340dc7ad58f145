#include "emit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"

#define LINE_MAX_COLS 79

static const char *const builtins[] = {
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BufferError",
    "BytesWarning",
    "Ellipsis",
    "EOFError",
    "Exception",
    "ExceptionGroup",
    "False",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "GeneratorExit",
    "ImportError",
    "IndexError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "NameError",
    "None",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "RecursionError",
    "ReferenceError",
    "RuntimeError",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SystemError",
    "SystemExit",
    "TimeoutError",
    "True",
    "TypeError",
    "UnicodeError",
    "ValueError",
    "ZeroDivisionError",
    "__debug__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "complex",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
};

int
gen_is_builtin(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
        if (strcmp(name, builtins[i]) == 0)
            return 1;
    return 0;
}

/* Node text with each run of whitespace that contains a newline folded
 * to one space, so that a parameter written over several lines fits one.
 * (Only used on parameters; a string literal spanning lines keeps its
 * newlines because it is inside quotes, which we do not fold.) */
static char *
folded_range(const char *src, uint32_t a, uint32_t e)
{
    uint32_t i;
    struct gen_buf b = {0};
    char quote = 0;

    for (i = a; i < e; i++) {
        char c = src[i];

        if (quote == 0 && (c == '"' || c == '\'')) {
            quote = c;
        }
        else if (quote != 0 && c == quote && src[i - 1] != '\\') {
            quote = 0;
        }
        else if (quote == 0 && isspace((unsigned char)c)) {
            uint32_t j = i;
            int nl = 0;

            while (j < e && isspace((unsigned char)src[j]))
                nl |= src[j++] == '\n';
            if (nl) {
                /* No space just inside brackets. */
                if (b.len && !strchr("([{", b.data[b.len - 1]) && j < e &&
                    !strchr(")]}", src[j]))
                    gen_buf_puts(&b, " ");
                i = j - 1;
                continue;
            }
        }
        gen_buf_append(&b, &c, 1);
    }
    if (b.data == NULL)
        b.data = gen_xcalloc(1, 1);
    return b.data;
}

static char *
folded_text(TSNode n, const char *src)
{
    return folded_range(src, ts_node_start_byte(n), ts_node_end_byte(n));
}

static void
collect_names(TSNode n, const char *src, struct gen_map *m)
{
    const char *t = ts_node_type(n);
    uint32_t i, k;

    if (gen_is(n, SYM_IDENTIFIER)) {
        char *s = gen_xstrndup(src + ts_node_start_byte(n),
                               ts_node_end_byte(n) - ts_node_start_byte(n));

        if (!gen_is_builtin(s))
            gen_map_put(m, s, (void *)1);
        free(s);
        return;
    }
    if (gen_is(n, SYM_ATTRIBUTE)) {
        collect_names(gen_field(n, FLD_OBJECT), src, m);
        return;
    }
    if (gen_is(n, SYM_KEYWORD_ARGUMENT)) {
        TSNode v = gen_field(n, FLD_VALUE);

        if (!ts_node_is_null(v))
            collect_names(v, src, m);
        return;
    }
    if (strcmp(t, "string") == 0 || strcmp(t, "lambda") == 0)
        return;
    k = ts_node_named_child_count(n);
    for (i = 0; i < k; i++)
        collect_names(ts_node_named_child(n, i), src, m);
}

static char *
text_of(TSNode n, const char *src)
{
    return gen_xstrndup(src + ts_node_start_byte(n),
                        ts_node_end_byte(n) - ts_node_start_byte(n));
}

static void
add_param(struct gen_sig *s, TSNode n, const char *src, int *after_star)
{
    const char *t = ts_node_type(n);
    struct gen_param p = {0};
    TSNode name = {0}, type = {0}, value = {0};

    p.kind = *after_star ? GEN_P_KW : GEN_P_POS;
    if (strcmp(t, "identifier") == 0) {
        name = n;
    }
    else if (strcmp(t, "typed_parameter") == 0) {
        TSNode first = ts_node_named_child(n, 0);

        type = gen_field(n, FLD_TYPE);
        if (strcmp(ts_node_type(first), "list_splat_pattern") == 0) {
            p.kind = GEN_P_STAR;
            *after_star = 1;
            name = ts_node_named_child(first, 0);
        }
        else if (strcmp(ts_node_type(first), "dictionary_splat_pattern") ==
                 0) {
            p.kind = GEN_P_KWARGS;
            name = ts_node_named_child(first, 0);
        }
        else {
            name = first;
        }
    }
    else if (strcmp(t, "default_parameter") == 0 ||
             strcmp(t, "typed_default_parameter") == 0) {
        name = gen_field(n, FLD_NAME);
        type = gen_field(n, FLD_TYPE);
        value = gen_field(n, FLD_VALUE);
    }
    else if (strcmp(t, "list_splat_pattern") == 0) {
        p.kind = GEN_P_STAR;
        *after_star = 1;
        name = ts_node_named_child(n, 0);
    }
    else if (strcmp(t, "dictionary_splat_pattern") == 0) {
        p.kind = GEN_P_KWARGS;
        name = ts_node_named_child(n, 0);
    }
    else if (strcmp(t, "keyword_separator") == 0) {
        p.kind = GEN_P_BARESTAR;
        *after_star = 1;
    }
    else if (strcmp(t, "positional_separator") == 0) {
        p.kind = GEN_P_SLASH;
    }
    else {
        return; /* a comment between parameters */
    }
    p.text = folded_text(n, src);
    if (!ts_node_is_null(name))
        p.name = text_of(name, src);
    if (!ts_node_is_null(type)) {
        collect_names(type, src, &s->names);
        collect_names(type, src, &s->ann_names);
    }
    if (!ts_node_is_null(value)) {
        /* The stub keeps "name: T = " and says ... for the value.  The head
         * is cut from the source, not from p.text, whose whitespace is
         * folded (a fuzzer found that the offsets differ). */
        char *head = folded_range(src, ts_node_start_byte(n),
                                  ts_node_start_byte(value));

        collect_names(value, src, &s->names);
        if (strchr(head, '\n') == NULL)
            p.stub = gen_xasprintf("%s...", head);
        free(head);
    }
    if (p.stub == NULL)
        p.stub = gen_xstrdup(p.text);
    GEN_PUSH(s->params, s->n, s->cap, p);
}

void
gen_sig_read(struct gen_sig *s, TSNode def, const char *src)
{
    TSNode params = gen_field(def, FLD_PARAMETERS);
    TSNode ret = gen_field(def, FLD_RETURN_TYPE);
    TSNode body = gen_field(def, FLD_BODY);
    int after_star = 0;
    uint32_t i, k;

    memset(s, 0, sizeof(*s));
    if (!ts_node_is_null(params)) {
        k = ts_node_named_child_count(params);
        for (i = 0; i < k; i++)
            add_param(s, ts_node_named_child(params, i), src, &after_star);
    }
    if (!ts_node_is_null(ret)) {
        s->ret = folded_text(ret, src);
        collect_names(ret, src, &s->names);
        collect_names(ret, src, &s->ann_names);
    }
    if (!ts_node_is_null(body) && ts_node_named_child_count(body) > 0) {
        TSNode st = ts_node_named_child(body, 0);

        if (strcmp(ts_node_type(st), "expression_statement") == 0 &&
            ts_node_named_child_count(st) == 1) {
            TSNode str = ts_node_named_child(st, 0);
            const char *t = ts_node_type(str);

            if (strcmp(t, "string") == 0 ||
                strcmp(t, "concatenated_string") == 0)
                s->doc = text_of(str, src);
        }
    }
}

void
gen_sig_free(struct gen_sig *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->params[i].text);
        free(s->params[i].stub);
        free(s->params[i].name);
    }
    free(s->params);
    free(s->ret);
    free(s->doc);
    gen_map_free(&s->names);
    gen_map_free(&s->ann_names);
    memset(s, 0, sizeof(*s));
}

static void
indent_to(struct gen_buf *b, int indent)
{
    int i;

    for (i = 0; i < indent; i++)
        gen_buf_puts(b, " ");
}

void
gen_emit_def(struct gen_buf *b, int indent, const char *kw, const char *name,
             const struct gen_sig *s, int stub, const char *ret_override,
             const char *tail)
{
    struct gen_buf one = {0};
    const char *ret = ret_override ? ret_override : s->ret;
    size_t i;

    gen_buf_printf(&one, "%s %s(", kw, name);
    for (i = 0; i < s->n; i++)
        gen_buf_printf(&one, "%s%s", i ? ", " : "",
                       stub ? s->params[i].stub : s->params[i].text);
    gen_buf_printf(&one, ")%s%s:%s", ret ? " -> " : "", ret ? ret : "", tail);
    if ((size_t)indent + one.len <= LINE_MAX_COLS) {
        indent_to(b, indent);
        gen_buf_append(b, one.data, one.len);
        gen_buf_puts(b, "\n");
    }
    else {
        /* black's "magic trailing comma" layout, one parameter a line;
         * no comma after *args or **kwargs would also be valid, but black
         * puts one there on Python 3.6+, so do we. */
        indent_to(b, indent);
        gen_buf_printf(b, "%s %s(\n", kw, name);
        for (i = 0; i < s->n; i++) {
            indent_to(b, indent + 4);
            gen_buf_printf(b, "%s,\n",
                           stub ? s->params[i].stub : s->params[i].text);
        }
        indent_to(b, indent);
        gen_buf_printf(b, ")%s%s:%s\n", ret ? " -> " : "", ret ? ret : "",
                       tail);
    }
    gen_buf_free(&one);
}

void
gen_forward_args(const struct gen_sig *s, int skip_first, char ***items,
                 size_t *n)
{
    size_t i, cap = 0;

    *items = NULL;
    *n = 0;
    for (i = skip_first && s->n ? 1 : 0; i < s->n; i++) {
        const struct gen_param *p = &s->params[i];
        char *it = NULL;

        switch (p->kind) {
        case GEN_P_POS:
            it = gen_xstrdup(p->name);
            break;
        case GEN_P_STAR:
            it = gen_xasprintf("*%s", p->name);
            break;
        case GEN_P_KW:
            it = gen_xasprintf("%s=%s", p->name, p->name);
            break;
        case GEN_P_KWARGS:
            it = gen_xasprintf("**%s", p->name);
            break;
        default:
            continue;
        }
        GEN_PUSH(*items, *n, cap, it);
    }
}

void
gen_emit_call(struct gen_buf *b, int indent, const char *prefix,
              char *const *items, size_t n, const char *suffix)
{
    struct gen_buf args = {0};
    size_t i;

    for (i = 0; i < n; i++)
        gen_buf_printf(&args, "%s%s", i ? ", " : "", items[i]);
    if (args.data == NULL)
        args.data = gen_xcalloc(1, 1);
    if ((size_t)indent + strlen(prefix) + args.len + strlen(suffix) + 2 <=
        LINE_MAX_COLS) {
        indent_to(b, indent);
        gen_buf_printf(b, "%s(%s)%s\n", prefix, args.data, suffix);
    }
    else if ((size_t)indent + 4 + args.len <= LINE_MAX_COLS) {
        indent_to(b, indent);
        gen_buf_printf(b, "%s(\n", prefix);
        indent_to(b, indent + 4);
        gen_buf_printf(b, "%s\n", args.data);
        indent_to(b, indent);
        gen_buf_printf(b, ")%s\n", suffix);
    }
    else {
        indent_to(b, indent);
        gen_buf_printf(b, "%s(\n", prefix);
        for (i = 0; i < n; i++) {
            indent_to(b, indent + 4);
            gen_buf_printf(b, "%s,\n", items[i]);
        }
        indent_to(b, indent);
        gen_buf_printf(b, ")%s\n", suffix);
    }
    gen_buf_free(&args);
}

void
gen_emit_doc(struct gen_buf *b, int indent, const char *doc)
{
    indent_to(b, indent);
    gen_buf_puts(b, doc);
    gen_buf_puts(b, "\n");
}
