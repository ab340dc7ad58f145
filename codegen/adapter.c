#include "adapter.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "lang.h"
#include "libs.h"
#include "util.h"
#include "write.h"

/* Where a module-level name comes from at run time, for the imports of the
 * adapter and the stub. */
struct binding {
    char *module; /* absolute module of an import, or NULL (defined here) */
    char *name;   /* the imported name, NULL for `import m` */
    int count;    /* how often the module binds it (conditionally or not) */
    int runtime;  /* bound outside `if TYPE_CHECKING:` */
};

struct module {
    const struct gen_file *f;
    const char *src;
    const char *runtime;
    int stub;
    struct gen_map names;     /* names the adapter needs, -> (void*)2 if a
                                 default uses it, 1 for annotations only */
    struct gen_map ann_names; /* names the stub needs */
    struct gen_map bound;     /* module-level name -> struct binding */
    struct gen_map emitted;   /* top-level names already adapted */
    int star;                 /* how many star imports the module has */
    char *star_module;        /* the module of the first one */
    int need_contextlib, need_typing, need_proxy;
    int prev; /* stubs: 0 nothing yet, 1 a function, 2 a class */
    char **all;
    size_t nall, capall;
    struct gen_buf raws; /* module-level _raw_* bindings of the current
                            top-level statement */
};

/* ---- Reading the source ------------------------------------------------ */

static const struct gen_func *
func_at(const struct gen_file *f, uint32_t start_byte)
{
    size_t i;

    for (i = 0; i < f->nfuncs; i++)
        if (f->funcs[i].start_byte == start_byte)
            return &f->funcs[i];
    return NULL;
}

static TSNode
definition_of(TSNode n)
{
    if (strcmp(ts_node_type(n), "decorated_definition") == 0)
        return gen_field(n, FLD_DEFINITION);
    return n;
}

static char *
node_text(const char *src, TSNode n)
{
    return gen_xstrndup(src + ts_node_start_byte(n),
                        ts_node_end_byte(n) - ts_node_start_byte(n));
}

static int
is_deco(const struct gen_decorator *d, const char *name)
{
    return d->name != NULL && !d->called && strcmp(d->name, name) == 0;
}

/* A boundary-marked async definition (before looking at its other
 * decorators). */
static int
marked(const struct gen_func *fn)
{
    return fn != NULL && fn->boundary && (fn->flags & GEN_FN_ASYNC) &&
           !(fn->flags & GEN_FN_CLASS) && fn->bdeco && !fn->bdeco->called;
}

enum { K_PLAIN, K_STATIC, K_CLASS };

/* The decorators stacked above the boundary decorator of fn, which the
 * adapter re-applies to itself, and the method kind.  Returns 0, or -1
 * after saying why fn cannot be adapted (a decorator that cannot be
 * applied a second time without changing what it does). */
static int
above_decorators(const struct gen_func *fn, const char *path, int quiet,
                 int *kind, const struct gen_decorator ***above,
                 size_t *nabove)
{
    size_t bi = (size_t)(fn->bdeco - fn->decos), i, cap = 0;
    const char *why = NULL;
    const struct gen_decorator *bad = NULL;

    *kind = K_PLAIN;
    *above = NULL;
    *nabove = 0;
    for (i = 0; i < fn->ndecos && why == NULL; i++) {
        const struct gen_decorator *d = &fn->decos[i];

        if (i == bi)
            continue;
        if (is_deco(d, "staticmethod") || is_deco(d, "classmethod")) {
            if (i != 0) {
                bad = d;
                why = "it must be the outermost decorator for the adapter "
                      "to reach the function";
            }
            else {
                *kind = is_deco(d, "staticmethod") ? K_STATIC : K_CLASS;
            }
            continue;
        }
        if (i > bi)
            continue; /* below the boundary: kept inside the original */
        if (d->name == NULL || d->called) {
            bad = d;
            why = "it is called with arguments, and evaluating them again "
                  "could change what it does";
        }
        else if (strcmp(d->name, "property") == 0 ||
                 strstr(d->name, ".setter") || strstr(d->name, ".getter") ||
                 strstr(d->name, ".deleter") ||
                 strcmp(d->name, "functools.cached_property") == 0 ||
                 strcmp(d->name, "cached_property") == 0) {
            bad = d;
            why = "the adapter of a property is not an async function";
        }
        else {
            GEN_PUSH(*above, *nabove, cap, d);
        }
    }
    if (why == NULL)
        return 0;
    if (!quiet)
        fprintf(stderr,
                "%s:%u:%u: decorator `@%s%s` on `%s` cannot be kept by the "
                "adapter: %s; `%s` is not adapted (call the original)\n",
                path, bad->line, bad->col, bad->name ? bad->name : "...",
                bad->called ? "(...)" : "", fn->qualname, why, fn->qualname);
    free(*above);
    *above = NULL;
    *nabove = 0;
    return -1;
}

/* 1 if fn is adapted (marked, and its decorators can be kept). */
static int
adaptable(const struct gen_func *fn)
{
    const struct gen_decorator **above;
    size_t n;
    int kind, rc;

    if (!marked(fn))
        return 0;
    rc = above_decorators(fn, "", 1, &kind, &above, &n);
    free(above);
    return rc == 0;
}

/* `if TYPE_CHECKING:` (or typing.TYPE_CHECKING): not run. */
static int
is_type_checking(const char *src, TSNode if_stmt)
{
    TSNode c = gen_field(if_stmt, FLD_CONDITION);
    char *t;
    int r;

    if (ts_node_is_null(c))
        return 0;
    t = node_text(src, c);
    r = strcmp(t, "TYPE_CHECKING") == 0 ||
        strcmp(t, "typing.TYPE_CHECKING") == 0 ||
        strcmp(t, "_typing.TYPE_CHECKING") == 0;
    free(t);
    return r;
}

static void
bind(struct module *m, const char *name, size_t n, const char *module,
     const char *iname, int runtime)
{
    struct binding *b = gen_map_getn(&m->bound, name, n);

    if (b == NULL) {
        char *key = gen_xstrndup(name, n);

        b = gen_xcalloc(1, sizeof(*b));
        gen_map_put(&m->bound, key, b);
        free(key);
        b->module = module ? gen_xstrdup(module) : NULL;
        b->name = iname ? gen_xstrdup(iname) : NULL;
    }
    else if (b->runtime == runtime) {
        /* Bound twice: only the source module knows which one holds. */
        free(b->module);
        free(b->name);
        b->module = b->name = NULL;
    }
    b->count++;
    b->runtime |= runtime;
}

/* The absolute module a `from` import names (relative to this module). */
static char *
absolute_module(const struct module *m, TSNode modnode)
{
    char *text = node_text(m->src, modnode);
    size_t dots = strspn(text, "."), keep;
    const char *base = m->f->modname;
    char *r;

    if (dots == 0)
        return text;
    /* A package's own module is its package; a plain module's is the
     * package above it. */
    keep = strlen(base);
    if (!m->f->is_init || dots > 1) {
        size_t up = m->f->is_init ? dots - 1 : dots, i;

        for (i = 0; i < up; i++) {
            while (keep > 0 && base[keep - 1] != '.')
                keep--;
            if (keep == 0) {
                free(text);
                return NULL;
            }
            keep--;
        }
    }
    r = text[dots] ? gen_xasprintf("%.*s.%s", (int)keep, base, text + dots)
                   : gen_xstrndup(base, keep);
    free(text);
    return r;
}

static void
scan_import(struct module *m, TSNode st, int runtime)
{
    uint32_t i, k = ts_node_named_child_count(st);
    int from = strcmp(ts_node_type(st), "import_from_statement") == 0;
    TSNode modnode = gen_field(st, FLD_MODULE_NAME);
    char *mod =
        from && !ts_node_is_null(modnode) ? absolute_module(m, modnode) : NULL;

    for (i = 0; i < k; i++) {
        TSNode c = ts_node_named_child(st, i);
        const char *t = ts_node_type(c);
        TSNode name = c, alias = {0};
        char *nt;

        if (from && ts_node_eq(c, modnode))
            continue;
        if (strcmp(t, "wildcard_import") == 0) {
            if (m->star++ == 0 && mod != NULL)
                m->star_module = gen_xstrdup(mod);
            continue;
        }
        if (strcmp(t, "aliased_import") == 0) {
            name = gen_field(c, FLD_NAME);
            alias = gen_field(c, FLD_ALIAS);
        }
        else if (strcmp(t, "dotted_name") != 0) {
            continue;
        }
        nt = node_text(m->src, name);
        if (!ts_node_is_null(alias)) {
            char *at = node_text(m->src, alias);

            if (from)
                bind(m, at, strlen(at), mod, nt, runtime);
            else
                bind(m, at, strlen(at), nt, NULL, runtime);
            free(at);
        }
        else if (from) {
            bind(m, nt, strlen(nt), mod, nt, runtime);
        }
        else {
            /* `import a.b` binds a. */
            size_t n = strcspn(nt, ".");
            char *top = gen_xstrndup(nt, n);

            bind(m, top, n, top, NULL, runtime);
            free(top);
        }
        free(nt);
    }
    free(mod);
}

static void
scan_targets(struct module *m, TSNode n, int runtime)
{
    const char *t = ts_node_type(n);
    uint32_t i, k;

    if (strcmp(t, "identifier") == 0) {
        bind(m, m->src + ts_node_start_byte(n),
             ts_node_end_byte(n) - ts_node_start_byte(n), NULL, NULL, runtime);
        return;
    }
    if (strcmp(t, "pattern_list") != 0 && strcmp(t, "tuple_pattern") != 0 &&
        strcmp(t, "list_pattern") != 0 && strcmp(t, "list_splat_pattern") != 0)
        return;
    k = ts_node_named_child_count(n);
    for (i = 0; i < k; i++)
        scan_targets(m, ts_node_named_child(n, i), runtime);
}

/* Record what the statements of block bind at module level. */
static void
scan_bindings(struct module *m, TSNode block, int runtime)
{
    uint32_t i, k = ts_node_named_child_count(block);

    for (i = 0; i < k; i++) {
        TSNode st = ts_node_named_child(block, i);
        TSNode d = definition_of(st);
        const char *t = ts_node_type(st);
        uint32_t j, kk;

        if (ts_node_is_null(d))
            continue;
        if (strcmp(ts_node_type(d), "function_definition") == 0 ||
            strcmp(ts_node_type(d), "class_definition") == 0) {
            TSNode nm = gen_field(d, FLD_NAME);

            if (!ts_node_is_null(nm))
                scan_targets(m, nm, runtime);
        }
        else if (strcmp(t, "import_statement") == 0 ||
                 strcmp(t, "import_from_statement") == 0) {
            scan_import(m, st, runtime);
        }
        else if (strcmp(t, "expression_statement") == 0) {
            kk = ts_node_named_child_count(st);
            for (j = 0; j < kk; j++) {
                TSNode a = ts_node_named_child(st, j);

                while (strcmp(ts_node_type(a), "assignment") == 0) {
                    scan_targets(m, gen_field(a, FLD_LEFT), runtime);
                    a = gen_field(a, FLD_RIGHT);
                    if (ts_node_is_null(a))
                        break;
                }
            }
        }
        else if (strcmp(t, "if_statement") == 0 ||
                 strcmp(t, "try_statement") == 0 ||
                 strcmp(t, "with_statement") == 0) {
            int rt = runtime && !(strcmp(t, "if_statement") == 0 &&
                                  is_type_checking(m->src, st));

            kk = ts_node_named_child_count(st);
            for (j = 0; j < kk; j++) {
                TSNode c = ts_node_named_child(st, j);
                const char *ct = ts_node_type(c);

                if (strcmp(ct, "block") == 0) {
                    scan_bindings(m, c, rt);
                }
                else if (strcmp(ct, "elif_clause") == 0 ||
                         strcmp(ct, "else_clause") == 0 ||
                         strcmp(ct, "except_clause") == 0 ||
                         strcmp(ct, "finally_clause") == 0) {
                    uint32_t q, kq = ts_node_named_child_count(c);

                    /* The else of `if TYPE_CHECKING:` does run. */
                    int crt = strcmp(ct, "else_clause") == 0 ? runtime : rt;

                    for (q = 0; q < kq; q++)
                        if (strcmp(ts_node_type(ts_node_named_child(c, q)),
                                   "block") == 0)
                            scan_bindings(m, ts_node_named_child(c, q), crt);
                }
            }
        }
    }
}

/* ---- Imports ------------------------------------------------------------ */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The import line that gives name (as the source module has it). */
static char *
import_line(const struct module *m, const char *name)
{
    const struct binding *b = gen_map_get(&m->bound, name);

    if (b != NULL && b->count == 1 && b->module != NULL) {
        if (b->name == NULL)
            return strcmp(b->module, name) == 0
                       ? gen_xasprintf("import %s", name)
                       : gen_xasprintf("import %s as %s", b->module, name);
        return strcmp(b->name, name) == 0
                   ? gen_xasprintf("from %s import %s", b->module, name)
                   : gen_xasprintf("from %s import %s as %s", b->module,
                                   b->name, name);
    }
    /* Not bound, so from the one star import if there is one: mypy's
     * --no-implicit-reexport refuses it through the source module. */
    if (b == NULL && m->star == 1 && m->star_module != NULL)
        return gen_xasprintf("from %s import %s", m->star_module, name);
    return gen_xasprintf("from %s import %s", m->f->modname, name);
}

/* Which names need an import, and whether it can run: a name the source
 * binds only for type checkers, or not at all, is imported under
 * TYPE_CHECKING when only annotations (which are lazy) use it. */
static void
emit_imports(struct module *m, struct gen_buf *b, const struct gen_map *names,
             int stub)
{
    char **run = NULL, **tc = NULL;
    size_t nrun = 0, caprun = 0, ntc = 0, captc = 0, i;

    for (i = 0; i < names->cap; i++) {
        const char *n = names->keys[i];
        const struct binding *bd;
        int in_default;

        if (n == NULL)
            continue;
        bd = gen_map_get(&m->bound, n);
        in_default = names->vals[i] == (void *)2;
        /* (Builtins are never collected: emit.c leaves them out.) */
        if (stub || (bd != NULL && bd->runtime) || in_default ||
            (bd == NULL && m->star))
            GEN_PUSH(run, nrun, caprun, import_line(m, n));
        else
            GEN_PUSH(tc, ntc, captc, import_line(m, n));
    }
    if (nrun)
        qsort(run, nrun, sizeof(*run), cmp_str);
    if (ntc)
        qsort(tc, ntc, sizeof(*tc), cmp_str);
    for (i = 0; i < nrun; i++) {
        gen_buf_printf(b, "%s\n", run[i]);
        free(run[i]);
    }
    if (ntc) {
        gen_buf_puts(b, "\nif _typing.TYPE_CHECKING:\n");
        for (i = 0; i < ntc; i++) {
            gen_buf_printf(b, "    %s\n", tc[i]);
            free(tc[i]);
        }
    }
    free(run);
    free(tc);
}

static void
merge_names(struct gen_map *into, const struct gen_map *from, int is_default)
{
    size_t i;

    for (i = 0; i < from->cap; i++)
        if (from->keys[i] != NULL) {
            void *v = gen_map_get(into, from->keys[i]);

            if (v != (void *)2)
                gen_map_put(into, from->keys[i],
                            (void *)(intptr_t)(is_default ? 2 : 1));
        }
}

/* Names of a signature: a name in a default is needed at run time. */
static void
use_sig(struct module *m, const struct gen_sig *s)
{
    merge_names(&m->ann_names, &s->ann_names, 0);
    merge_names(&m->names, &s->ann_names, 0);
    merge_names(&m->names, &s->dflt_names, 1);
}
/* ---- Adapters ----------------------------------------------------------- */

static char *
raw_name(const char *qual)
{
    char *r = gen_xasprintf("_raw_%s", qual), *p;

    for (p = r; *p; p++)
        if (*p == '.')
            *p = '_';
    return r;
}

static void
indent(struct gen_buf *b, int n)
{
    gen_buf_printf(b, "%*s", n, "");
}

static void
free_items(char **items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

/* Add the module-level binding of what the boundary decorator of fn wraps:
 * _raw_Q = _under(ref, "Q", "deco"...). */
static void
emit_raw(struct module *m, int ind, const char *qual, const char *ref,
         const struct gen_decorator *const *above, size_t nabove)
{
    char *rn = raw_name(qual), *pre = gen_xasprintf("%s = _under", rn);
    char **items = gen_xcalloc(nabove + 2, sizeof(*items));
    size_t i;

    items[0] = gen_xstrdup(ref);
    items[1] = gen_xasprintf("\"%s\"", qual);
    for (i = 0; i < nabove; i++)
        items[i + 2] = gen_xasprintf("\"%s\"", above[i]->name);
    gen_emit_call(&m->raws, ind, pre, items, nabove + 2, "");
    free_items(items, nabove + 2);
    free(pre);
    free(rn);
}

/* "lhs await _rt.shim(raw)(args)", split where black splits it: at the
 * last bracket, or, when what comes before that bracket is too long
 * itself, at the shim's bracket. */
static void
emit_shim_call(struct gen_buf *b, int ind, const char *lhs, const char *shim,
               const char *rn, char *const *args, size_t nargs)
{
    char *pre = gen_xasprintf("%s await _rt.%s(%s)", lhs, shim, rn);
    size_t i;

    if ((size_t)ind + strlen(pre) + 1 <= (size_t)gen_line_length) {
        gen_emit_call(b, ind, pre, args, nargs, "");
    }
    else {
        indent(b, ind);
        gen_buf_printf(b, "%s await _rt.%s(\n", lhs, shim);
        indent(b, ind + 4);
        gen_buf_printf(b, "%s\n", rn);
        indent(b, ind);
        gen_buf_puts(b, ")(");
        for (i = 0; i < nargs; i++)
            gen_buf_printf(b, "%s%s", i ? ", " : "", args[i]);
        gen_buf_puts(b, ")\n");
    }
    free(pre);
}

static const char *
stub_ret(const struct gen_sig *s, int kind_fallback_none)
{
    if (s->ret)
        return NULL;
    return kind_fallback_none ? "None" : "_typing.Any";
}

/* One adapted function or method.  cls is the class's qualified name in
 * the source module, or NULL. */
static void
emit_function(struct module *m, struct gen_buf *b, const struct gen_func *fn,
              TSNode def, const char *cls, int ind, int raw_ind)
{
    const struct gen_decorator **above;
    size_t nabove, i, nargs;
    int kind;
    struct gen_sig s;
    const char *shim = gen_shim_name(fn->boundary);
    int a2t = fn->boundary == GEN_SHIM_A2T;
    int is_gen = (fn->flags & GEN_FN_GEN) && !fn->acm;
    int method;
    char *qual, *rn, **args;

    if (above_decorators(fn, m->f->path, m->stub, &kind, &above, &nabove) != 0)
        return;
    method = cls != NULL && kind == K_PLAIN;
    qual = cls ? gen_xasprintf("%s.%s", cls, fn->name) : gen_xstrdup(fn->name);
    gen_sig_read(&s, def, m->src);
    use_sig(m, &s);
    if (m->stub) {
        const char *kw = "async def", *ret = stub_ret(&s, 0);
        int sk = cls != NULL && kind != K_STATIC ? 2 : 3;

        if (kind == K_STATIC || kind == K_CLASS) {
            indent(b, ind);
            gen_buf_puts(b, kind == K_STATIC ? "@staticmethod\n"
                                             : "@classmethod\n");
        }
        if (fn->acm) {
            m->need_contextlib = 1;
            kw = "def";
            ret = "_contextlib.AbstractAsyncContextManager[_typing.Any]";
        }
        else if (is_gen) {
            kw = "def";
            if (!s.ret)
                ret = "_typing.AsyncIterator[_typing.Any]";
        }
        gen_emit_def(b, ind, kw, fn->name, &s, sk, ret, " ...");
        goto out;
    }
    if (cls) {
        char *ref = gen_xasprintf("vars(_src.%s)[\"%s\"]", cls, fn->name);

        emit_raw(m, raw_ind, qual, ref, above, nabove);
        free(ref);
    }
    else {
        char *ref = gen_xasprintf("_src.%s", fn->name);

        emit_raw(m, raw_ind, qual, ref, above, nabove);
        free(ref);
    }
    rn = raw_name(qual);
    indent(b, ind);
    gen_buf_printf(b, "# %s-facing: %s code, called through %s().\n",
                   a2t ? "Trio" : "asyncio", a2t ? "asyncio" : "Trio", shim);
    for (i = 0; i < fn->ndecos; i++) {
        const struct gen_decorator *d = &fn->decos[i];
        size_t j;

        if (is_deco(d, "staticmethod") || is_deco(d, "classmethod")) {
            indent(b, ind);
            gen_buf_printf(b, "@%s\n", d->name);
        }
        for (j = 0; j < nabove; j++)
            if (above[j] == d) {
                indent(b, ind);
                gen_buf_printf(b, "@_src.%s\n", d->name);
            }
    }
    if (fn->acm) {
        m->need_contextlib = 1;
        indent(b, ind);
        gen_buf_puts(b, "@_contextlib.asynccontextmanager\n");
    }
    gen_emit_def(b, ind, "async def", fn->name, &s, 0, NULL, "");
    if (s.doc)
        gen_emit_doc(b, ind + 4, s.doc);
    gen_forward_args(&s, cls != NULL && kind != K_STATIC, &args, &nargs);
    if (method || kind == K_CLASS) {
        /* The original gets the original instance (or class). */
        args = gen_xrealloc(args, (nargs + 1) * sizeof(*args));
        memmove(args + 1, args, nargs * sizeof(*args));
        args[0] = method ? gen_xstrdup("self._trioaio_impl")
                         : gen_xasprintf("_src.%s", cls);
        nargs++;
    }
    if (fn->acm || is_gen) {
        /* The call that makes the context manager or iterator goes inside
         * the shim, the form trio-asyncio documents. */
        struct gen_buf inner = {0};
        char *one, *pre;

        gen_buf_printf(&inner, "%s(", rn);
        for (i = 0; i < nargs; i++)
            gen_buf_printf(&inner, "%s%s", i ? ", " : "", args[i]);
        gen_buf_puts(&inner, ")");
        one = inner.data;
        pre = gen_xasprintf("async %s _rt.%s",
                            fn->acm ? "with" : "for _item in", shim);
        gen_emit_call(b, ind + 4, pre, &one, 1, fn->acm ? " as _value:" : ":");
        indent(b, ind + 8);
        if (fn->acm)
            gen_buf_puts(b, method ? "yield self._trioaio_same(_value)\n"
                                   : "yield _value\n");
        else
            gen_buf_puts(b, "yield _item\n");
        gen_buf_free(&inner);
        free(pre);
    }
    else {
        emit_shim_call(b, ind + 4, method ? "_value =" : "return", shim, rn,
                       args, nargs);
        if (method) {
            indent(b, ind + 4);
            gen_buf_puts(b, "return self._trioaio_same(_value)\n");
        }
    }
    free_items(args, nargs);
    free(rn);
out:
    free(qual);
    free(above);
    gen_sig_free(&s);
}

/* ---- Classes ------------------------------------------------------------ */

/* Special methods the proxy must not forward: object construction and
 * attribute access are its own, and the rest would act on the original
 * rather than on the proxy (copying, pickling, finalising). */
static const char *const own_specials[] = {
    "__class_getitem__", "__copy__",      "__deepcopy__", "__del__",
    "__delattr__",       "__delete__",    "__get__",      "__getattr__",
    "__getattribute__",  "__getstate__",  "__init__",     "__init_subclass__",
    "__new__",           "__post_init__", "__reduce__",   "__reduce_ex__",
    "__set__",           "__set_name__",  "__setattr__",  "__setstate__",
};

/* The async protocols, forwarded also when the original inherits them. */
static const char *const protocols[] = {
    "__aenter__", "__aexit__", "__aiter__", "__anext__", "__await__",
};

static int
forwarded_special(const char *name)
{
    size_t n = strlen(name), i;

    if (n < 5 || strncmp(name, "__", 2) != 0 ||
        strcmp(name + n - 2, "__") != 0)
        return 0;
    for (i = 0; i < sizeof(own_specials) / sizeof(*own_specials); i++)
        if (strcmp(name, own_specials[i]) == 0)
            return 0;
    return 1;
}

static int
class_wanted(const struct module *m, TSNode cdef);

/* Calls fn(m, stmt, def, func, ctx) for every definition in a class body. */
static int
body_has_adapted(const struct module *m, TSNode body)
{
    uint32_t i, k = ts_node_named_child_count(body);

    for (i = 0; i < k; i++) {
        TSNode d = definition_of(ts_node_named_child(body, i));
        const char *t;

        if (ts_node_is_null(d))
            continue;
        t = ts_node_type(d);
        if (strcmp(t, "function_definition") == 0 &&
            adaptable(func_at(m->f, ts_node_start_byte(d))))
            return 1;
        if (strcmp(t, "class_definition") == 0 && class_wanted(m, d))
            return 1;
    }
    return 0;
}

static int
class_wanted(const struct module *m, TSNode cdef)
{
    TSNode body = gen_field(cdef, FLD_BODY);

    return !ts_node_is_null(body) && body_has_adapted(m, body);
}

static int
defined_in(const struct module *m, TSNode body, const char *name)
{
    uint32_t i, k = ts_node_named_child_count(body);

    for (i = 0; i < k; i++) {
        TSNode d = definition_of(ts_node_named_child(body, i));
        TSNode nm;
        int r;
        char *t;

        if (ts_node_is_null(d) ||
            strcmp(ts_node_type(d), "function_definition") != 0)
            continue;
        nm = gen_field(d, FLD_NAME);
        if (ts_node_is_null(nm))
            continue;
        t = node_text(m->src, nm);
        r = strcmp(t, name) == 0;
        free(t);
        if (r)
            return 1;
    }
    return 0;
}

/* A special method of the original, forwarded with its own signature
 * (s), or with (*args, **kwargs) when s is NULL. */
static void
emit_forward(struct module *m, struct gen_buf *b, const char *name,
             const struct gen_sig *s, int async_, int ind)
{
    struct gen_sig any = {0};
    struct gen_param ps[3] = {
        {"self", "self", "self", GEN_P_POS, 0, 0},
        {"*args", "*args: _typing.Any", "args", GEN_P_STAR, 0, 0},
        {"**kwargs", "**kwargs: _typing.Any", "kwargs", GEN_P_KWARGS, 0, 0},
    };
    char **args, *pre;
    size_t nargs;

    if (s == NULL) {
        any.params = ps;
        any.n = 3;
        s = &any;
    }
    if (m->stub) {
        gen_emit_def(b, ind, async_ ? "async def" : "def", name, s, 2,
                     stub_ret(s, 0), " ...");
        return;
    }
    gen_buf_puts(b, "\n");
    gen_emit_def(b, ind, async_ ? "async def" : "def", name, s, 0, NULL, "");
    gen_forward_args(s, 1, &args, &nargs);
    pre = gen_xasprintf("_value = %sself._trioaio_impl.%s",
                        async_ ? "await " : "", name);
    gen_emit_call(b, ind + 4, pre, args, nargs, "");
    indent(b, ind + 4);
    gen_buf_puts(b, "return self._trioaio_same(_value)\n");
    free(pre);
    free_items(args, nargs);
}

static void
emit_class(struct module *m, struct gen_buf *b, TSNode cdef, const char *qual,
           int ind, int raw_ind)
{
    TSNode body = gen_field(cdef, FLD_BODY);
    TSNode first = ts_node_named_child(body, 0);
    TSNode nm = gen_field(cdef, FLD_NAME);
    TSNode supers = gen_field(cdef, FLD_SUPERCLASSES);
    char *name = node_text(m->src, nm);
    TSNode init = {0};
    uint32_t i, k = ts_node_named_child_count(body);
    size_t j;
    int after_class = 0;

    m->need_proxy = 1;
    indent(b, ind);
    gen_buf_printf(b, m->stub ? "class %s:\n" : "class %s(_Proxy):\n", name);
    if (!m->stub && strcmp(ts_node_type(first), "expression_statement") == 0 &&
        ts_node_named_child_count(first) == 1 &&
        strcmp(ts_node_type(ts_node_named_child(first, 0)), "string") == 0) {
        char *doc = node_text(m->src, ts_node_named_child(first, 0));

        gen_emit_doc(b, ind + 4, doc);
        free(doc);
    }
    for (i = 0; i < k; i++) {
        TSNode d = definition_of(ts_node_named_child(body, i));
        const struct gen_func *fn;

        if (!ts_node_is_null(d) &&
            strcmp(ts_node_type(d), "function_definition") == 0 &&
            (fn = func_at(m->f, ts_node_start_byte(d))) != NULL &&
            strcmp(fn->name, "__init__") == 0)
            init = d;
    }
    /* The original is built with its own __init__'s signature. */
    {
        struct gen_sig s = {0};
        char **args, *pre;
        size_t nargs;
        struct gen_param ps[3] = {
            {"self", "self", "self", GEN_P_POS, 0, 0},
            {"*args", "*args: _typing.Any", "args", GEN_P_STAR, 0, 0},
            {"**kwargs", "**kwargs: _typing.Any", "kwargs", GEN_P_KWARGS, 0,
             0},
        };
        int have = !ts_node_is_null(init);

        if (have) {
            gen_sig_read(&s, init, m->src);
            use_sig(m, &s);
            free(s.doc);
            s.doc = NULL;
        }
        else {
            s.params = ps;
            s.n = 3;
        }
        if (m->stub) {
            gen_emit_def(b, ind + 4, "def", "__init__", &s, 2, "None", " ...");
            indent(b, ind + 4);
            gen_buf_puts(b, "def __getattr__(self, name: str) -> "
                            "_typing.Any: ...\n");
        }
        else {
            gen_buf_puts(b, "\n");
            gen_emit_def(b, ind + 4, "def", "__init__", &s, 0, NULL, "");
            gen_forward_args(&s, 1, &args, &nargs);
            pre = gen_xasprintf("_trioaio_new = _src.%s", qual);
            gen_emit_call(b, ind + 8, pre, args, nargs, "");
            indent(b, ind + 8);
            gen_buf_puts(b, "object.__setattr__(self, \"_trioaio_impl\", "
                            "_trioaio_new)\n");
            free(pre);
            free_items(args, nargs);
        }
        if (have)
            gen_sig_free(&s);
    }
    for (i = 0; i < k; i++) {
        TSNode st = ts_node_named_child(body, i);
        TSNode d = definition_of(st);
        const struct gen_func *fn;
        const char *t;

        if (ts_node_is_null(d))
            continue;
        t = ts_node_type(d);
        if (strcmp(t, "class_definition") == 0) {
            TSNode cn = gen_field(d, FLD_NAME);
            char *cname = node_text(m->src, cn);
            char *cq = gen_xasprintf("%s.%s", qual, cname);

            if (class_wanted(m, d)) {
                /* Stubs too keep a nested class apart (black's layout). */
                gen_buf_puts(b, "\n");
                emit_class(m, b, d, cq, ind + 4, raw_ind);
                after_class = 1;
                free(cq);
                free(cname);
                continue;
            }
            else {
                if (!m->stub || after_class)
                    gen_buf_puts(b, "\n");
                indent(b, ind + 4);
                if (m->stub)
                    gen_buf_printf(b, "%s: _typing.Any\n", cname);
                else
                    gen_buf_printf(b, "%s = _src.%s\n", cname, cq);
            }
            free(cq);
            free(cname);
            after_class = 0;
            continue;
        }
        if (m->stub && after_class) {
            gen_buf_puts(b, "\n");
            after_class = 0;
        }
        if (strcmp(t, "function_definition") != 0 ||
            (fn = func_at(m->f, ts_node_start_byte(d))) == NULL ||
            strcmp(fn->name, "__init__") == 0)
            continue;
        if (marked(fn)) {
            struct gen_buf one = {0};

            emit_function(m, &one, fn, d, qual, ind + 4, raw_ind);
            if (one.len && !m->stub)
                gen_buf_puts(b, "\n");
            if (one.len)
                gen_buf_append(b, one.data, one.len);
            gen_buf_free(&one);
        }
        else if (fn->ndecos == 0 && forwarded_special(fn->name)) {
            struct gen_sig s;

            gen_sig_read(&s, d, m->src);
            use_sig(m, &s);
            emit_forward(m, b, fn->name, &s,
                         (fn->flags & GEN_FN_ASYNC) &&
                             !(fn->flags & GEN_FN_GEN),
                         ind + 4);
            gen_sig_free(&s);
        }
        else if (fn->ndecos > 0 && (is_deco(&fn->decos[0], "staticmethod") ||
                                    is_deco(&fn->decos[0], "classmethod"))) {
            /* Reachable on the adapter class too, bound as the original
             * binds them (a class method gets the original class). */
            if (!m->stub)
                gen_buf_puts(b, "\n");
            indent(b, ind + 4);
            if (m->stub)
                gen_buf_printf(b, "%s: _typing.Any\n", fn->name);
            else if (is_deco(&fn->decos[0], "staticmethod"))
                gen_buf_printf(b, "%s = vars(_src.%s)[\"%s\"]\n", fn->name,
                               qual, fn->name);
            else
                gen_buf_printf(b, "%s = staticmethod(_src.%s.%s)\n", fn->name,
                               qual, fn->name);
        }
    }
    /* Inherited async protocols: Python looks special methods up on the
     * type, so __getattr__ does not reach them. */
    if (!m->stub && !ts_node_is_null(supers) &&
        ts_node_named_child_count(supers) > 0) {
        for (j = 0; j < sizeof(protocols) / sizeof(*protocols); j++) {
            int async_ = strcmp(protocols[j], "__aiter__") != 0 &&
                         strcmp(protocols[j], "__await__") != 0;
            struct gen_buf inner = {0};
            char *line;

            if (defined_in(m, body, protocols[j]))
                continue;
            gen_buf_puts(b, "\n");
            indent(b, ind + 4);
            gen_buf_printf(b, "if hasattr(_src.%s, \"%s\"):\n", qual,
                           protocols[j]);
            emit_forward(m, &inner, protocols[j], NULL, async_, ind + 8);
            /* black puts one blank line between the `if` and the def. */
            line = inner.data;
            gen_buf_puts(b, line);
            gen_buf_free(&inner);
        }
    }
    /* A blank line kept for members after a nested class that turned out
     * to have none. */
    while (b->len >= 2 && b->data[b->len - 1] == '\n' &&
           b->data[b->len - 2] == '\n')
        b->data[--b->len] = '\0';
    free(name);
}

/* ---- The module --------------------------------------------------------- */

static const char under_helper[] =
    "def _under(obj, qualname, *above):\n"
    "    \"\"\"Return what the boundary decorator of ``qualname`` wraps.\n"
    "\n"
    "    The decorators stacked above it (named in ``above``) are applied\n"
    "    again by the adapter, so they are unwrapped here through\n"
    "    ``__wrapped__`` (functools.wraps sets it); decorators under the\n"
    "    boundary decorator stay, as in the original.\n"
    "    \"\"\"\n"
    "    obj = getattr(obj, \"__func__\", obj)  # staticmethod, classmethod\n"
    "    for name in above:\n"
    "        inner = getattr(obj, \"__wrapped__\", None)\n"
    "        if inner is None:\n"
    "            raise TypeError(\n"
    "                f\"{_src.__name__}.{qualname}: @{name} does not set \"\n"
    "                \"__wrapped__ (use functools.wraps), so the adapter \"\n"
    "                \"cannot reach the function under the boundary \"\n"
    "                \"decorator\"\n"
    "            )\n"
    "        obj = inner\n"
    "    inner = getattr(obj, \"proc\", None)\n"
    "    if inner is None:\n"
    "        inner = getattr(obj, \"__wrapped__\", None)\n"
    "    if inner is None:\n"
    "        raise TypeError(\n"
    "            f\"{_src.__name__}.{qualname} is not under a boundary \"\n"
    "            \"decorator any more: regenerate the adapters\"\n"
    "        )\n"
    "    return inner\n";

static const char proxy_helper[] =
    "class _Proxy:\n"
    "    \"\"\"What the adapter classes share: each holds an instance of its\n"
    "    original, and what it does not define itself (attributes, sync\n"
    "    methods, unmarked async methods, the original's __getattr__) is\n"
    "    the original's.\"\"\"\n"
    "\n"
    "    def __getattr__(self, name):\n"
    "        return getattr(object.__getattribute__(self, \"_trioaio_impl\"), "
    "name)\n"
    "\n"
    "    def __setattr__(self, name, value):\n"
    "        setattr(self._trioaio_impl, name, value)\n"
    "\n"
    "    def __delattr__(self, name):\n"
    "        delattr(self._trioaio_impl, name)\n"
    "\n"
    "    def _trioaio_same(self, value):\n"
    "        # Where the original returns itself, the adapter returns "
    "itself.\n"
    "        return self if value is self._trioaio_impl else value\n";

/* Called once a name: emit_top adapts the first definition of each. */
static void
add_all(struct module *m, const char *name)
{
    if (name[0] == '_')
        return;
    GEN_PUSH(m->all, m->nall, m->capall, gen_xstrdup(name));
}

/* One top-level definition d (cond: it is inside an if/try block, so the
 * adapter exists only if the source defined it). */
static void
emit_top(struct module *m, struct gen_buf *out, TSNode d, int cond)
{
    struct gen_buf body = {0};
    const char *t = ts_node_type(d);
    TSNode nm = gen_field(d, FLD_NAME);
    char *name;
    int ind = cond ? 4 : 0;

    if (ts_node_is_null(nm))
        return;
    name = node_text(m->src, nm);
    if (gen_map_get(&m->emitted, name))
        goto out; /* defined again in another branch: the first counts */
    m->raws.len = 0;
    if (strcmp(t, "function_definition") == 0) {
        const struct gen_func *fn = func_at(m->f, ts_node_start_byte(d));

        if (!marked(fn))
            goto out;
        emit_function(m, &body, fn, d, NULL, ind, ind);
    }
    else if (strcmp(t, "class_definition") == 0 && class_wanted(m, d)) {
        emit_class(m, &body, d, name, ind, ind);
    }
    if (body.len == 0)
        goto out;
    gen_map_put(&m->emitted, name, (void *)1);
    /* A conditional definition may be missing: a star import of a name in
     * __all__ that is not there fails. */
    if (!cond)
        add_all(m, name);
    if (m->stub) {
        int is_class = strcmp(t, "class_definition") == 0;

        /* black's stub layout: functions together, classes apart. */
        if (m->prev == 0 || m->prev == 2 || is_class)
            gen_buf_puts(out, "\n");
        m->prev = is_class ? 2 : 1;
        /* Stubs describe what may exist: no guard. */
        {
            struct gen_buf flat = {0};
            const char *p = body.data;

            while (*p) {
                size_t n = strcspn(p, "\n");

                if (n > (size_t)ind)
                    gen_buf_append(&flat, p + ind, n - ind);
                gen_buf_puts(&flat, "\n");
                p += n + (p[n] == '\n');
            }
            gen_buf_append(out, flat.data, flat.len);
            gen_buf_free(&flat);
        }
        goto out;
    }
    gen_buf_puts(out, "\n\n");
    if (cond)
        gen_buf_printf(out, "if hasattr(_src, \"%s\"):\n", name);
    if (m->raws.len) {
        gen_buf_append(out, m->raws.data, m->raws.len);
        gen_buf_puts(out, cond ? "\n" : "\n\n");
    }
    gen_buf_append(out, body.data, body.len);
out:
    gen_buf_free(&body);
    free(name);
}

static void
walk(struct module *m, struct gen_buf *out, TSNode block, int cond);

static void
walk_compound(struct module *m, struct gen_buf *out, TSNode st)
{
    uint32_t j, kk = ts_node_named_child_count(st);

    if (strcmp(ts_node_type(st), "if_statement") == 0 &&
        is_type_checking(m->src, st))
        return;
    for (j = 0; j < kk; j++) {
        TSNode c = ts_node_named_child(st, j);
        const char *ct = ts_node_type(c);
        uint32_t q, kq;

        if (strcmp(ct, "block") == 0) {
            walk(m, out, c, 1);
            continue;
        }
        if (strcmp(ct, "elif_clause") != 0 && strcmp(ct, "else_clause") != 0 &&
            strcmp(ct, "except_clause") != 0 &&
            strcmp(ct, "finally_clause") != 0)
            continue;
        kq = ts_node_named_child_count(c);
        for (q = 0; q < kq; q++)
            if (strcmp(ts_node_type(ts_node_named_child(c, q)), "block") == 0)
                walk(m, out, ts_node_named_child(c, q), 1);
    }
}

static void
walk(struct module *m, struct gen_buf *out, TSNode block, int cond)
{
    uint32_t i, k = ts_node_named_child_count(block);

    for (i = 0; i < k; i++) {
        TSNode st = ts_node_named_child(block, i);
        TSNode d = definition_of(st);
        const char *t;

        if (ts_node_is_null(d))
            continue;
        t = ts_node_type(d);
        if (strcmp(t, "function_definition") == 0 ||
            strcmp(t, "class_definition") == 0)
            emit_top(m, out, d, cond);
        else if (strcmp(t, "if_statement") == 0 ||
                 strcmp(t, "try_statement") == 0)
            walk_compound(m, out, d);
    }
}

static void
emit_all(struct module *m, struct gen_buf *b)
{
    char **items = gen_xcalloc(m->nall + 1, sizeof(*items));
    size_t i;

    for (i = 0; i < m->nall; i++)
        items[i] = gen_xasprintf("\"%s\"", m->all[i]);
    gen_emit_list(b, 0, "__all__ = [", items, m->nall, "]");
    free_items(items, m->nall);
}

/* Build the adapter (stub = 0) or the stub (stub = 1) text. */
static char *
render(struct module *m, TSNode root, const char *why, int stub)
{
    struct gen_buf body = {0}, imports = {0}, b = {0};
    const char *modname = m->f->modname;
    size_t i;

    m->stub = stub;
    m->prev = 0;
    for (i = 0; i < m->nall; i++)
        free(m->all[i]);
    m->nall = 0;
    gen_map_free(&m->emitted);
    walk(m, &body, root, 0);
    emit_imports(m, &imports, stub ? &m->ann_names : &m->names, stub);
    gen_buf_puts(&b, GEN_HEADER);
    gen_buf_printf(&b, GEN_SOURCE_PREFIX "%s\n", m->f->path);
    gen_buf_printf(&b, "# runtime: %s (%s)\n", m->runtime, why);
    if (!stub) {
        int tc = imports.data && strstr(imports.data, "_typing.TYPE_CHECKING");

        gen_buf_printf(&b,
                       "\"\"\"Adapters that call %s's shims explicitly."
                       "\n\nSource module: ``%s``.\n\"\"\"\n\n",
                       m->runtime, modname);
        gen_buf_puts(&b, "from __future__ import annotations\n\n");
        if (m->need_contextlib)
            gen_buf_puts(&b, "import contextlib as _contextlib\n");
        if (tc)
            gen_buf_puts(&b, "import typing as _typing\n");
        if (m->need_contextlib || tc)
            gen_buf_puts(&b, "\n");
        gen_buf_printf(&b, "import %s as _src\nimport %s as _rt\n", modname,
                       m->runtime);
        if (imports.data)
            gen_buf_append(&b, imports.data, imports.len);
        gen_buf_puts(&b, "\n");
        emit_all(m, &b);
        gen_buf_printf(&b, "\n\n%s", under_helper);
        if (m->need_proxy)
            gen_buf_printf(&b, "\n\n%s", proxy_helper);
    }
    else {
        gen_buf_puts(&b, "\n");
        if (m->need_contextlib)
            gen_buf_puts(&b, "import contextlib as _contextlib\n");
        gen_buf_puts(&b, "import typing as _typing\n");
        if (imports.data)
            gen_buf_append(&b, imports.data, imports.len);
    }
    gen_buf_append(&b, body.data ? body.data : "", body.len);
    gen_buf_free(&body);
    gen_buf_free(&imports);
    return b.data;
}

/* 1 if some definition among f's functions is adapted.  Cheap: no tree. */
int
gen_has_marked(const struct gen_file *f)
{
    size_t i;

    for (i = 0; i < f->nfuncs; i++)
        if (marked(&f->funcs[i]))
            return 1;
    return 0;
}

static void
free_bindings(struct gen_map *bound)
{
    size_t i;

    for (i = 0; i < bound->cap; i++)
        if (bound->keys[i] != NULL) {
            struct binding *b = bound->vals[i];

            free(b->module);
            free(b->name);
            free(b);
        }
    gen_map_free(bound);
}

void
gen_render(struct gen_modeler *ml, const struct gen_file *f, const char *src,
           size_t len, const char *runtime, const char *why, char **py,
           char **pyi)
{
    struct module m = {0};
    struct gen_file scratch = {0};
    TSTree *tree = NULL;

    *py = *pyi = NULL;
    scratch.path = gen_xstrdup(f->path);
    if (f->tree != NULL && f->src == src)
        tree = ts_tree_copy(f->tree);
    else
        gen_model_build(ml, &scratch, src, len, &tree);
    m.f = f;
    m.src = src;
    m.runtime = runtime;
    if (tree != NULL) {
        TSNode root = ts_tree_root_node(tree);

        scan_bindings(&m, root, 1);
        *py = render(&m, root, why, 0);
        if (m.nall == 0 && m.emitted.len == 0) {
            free(*py);
            *py = NULL;
        }
        else {
            *pyi = render(&m, root, why, 1);
        }
        ts_tree_delete(tree);
    }
    gen_file_free(&scratch);
    gen_map_free(&m.names);
    gen_map_free(&m.ann_names);
    gen_map_free(&m.emitted);
    free_bindings(&m.bound);
    free(m.star_module);
    for (size_t i = 0; i < m.nall; i++)
        free(m.all[i]);
    free(m.all);
    gen_buf_free(&m.raws);
}
