#include "adapter.h"

#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "lang.h"
#include "libs.h"
#include "util.h"
#include "write.h"

/* One boundary-marked definition to adapt, in source order. */
struct item {
    const struct gen_func *fn; /* borrowed from the project model */
    TSNode def;                /* function_definition */
    const char *cls;           /* enclosing class name, or NULL */
};

/* One class that gets an adapter because some of its methods are marked. */
struct klass {
    const char *name;
    TSNode node; /* class_definition */
    TSNode init; /* its __init__ function_definition, or null */
    int has_anext;
};

struct module {
    const struct gen_file *f;
    const char *src;
    struct item *items;
    size_t nitems, capitems;
    struct klass *classes;
    size_t nclasses, capclasses;
    struct gen_map names;     /* names to import from the source */
    struct gen_map ann_names; /* names the stub imports */
    int need_contextlib, need_typing;
};

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

/* 1 if fn also carries @staticmethod or @classmethod: its adapter would
 * need another calling convention, so such methods are not adapted. */
static int
static_or_class(const struct gen_func *fn)
{
    size_t i;

    for (i = 0; i < fn->ndecos; i++) {
        const char *n = fn->decos[i].name;

        if (n != NULL &&
            (strcmp(n, "staticmethod") == 0 || strcmp(n, "classmethod") == 0))
            return 1;
    }
    return 0;
}

static int
marked(const struct gen_func *fn)
{
    return fn != NULL && fn->boundary && (fn->flags & GEN_FN_ASYNC) &&
           !(fn->flags & GEN_FN_CLASS) && fn->bdeco && !fn->bdeco->called &&
           !static_or_class(fn);
}

static void
merge_names(struct gen_map *into, const struct gen_map *from)
{
    size_t i;

    for (i = 0; i < from->cap; i++)
        if (from->keys[i] != NULL)
            gen_map_put(into, from->keys[i], (void *)1);
}

/* Collect the marked top-level functions and methods of top-level
 * classes, in source order. */
static void
collect(struct module *m, TSNode root)
{
    uint32_t i, k = ts_node_named_child_count(root);

    for (i = 0; i < k; i++) {
        TSNode d = definition_of(ts_node_named_child(root, i));
        const char *t;

        if (ts_node_is_null(d))
            continue;
        t = ts_node_type(d);
        if (strcmp(t, "function_definition") == 0) {
            const struct gen_func *fn = func_at(m->f, ts_node_start_byte(d));
            struct item it = {fn, d, NULL};

            if (marked(fn))
                GEN_PUSH(m->items, m->nitems, m->capitems, it);
        }
        else if (strcmp(t, "class_definition") == 0) {
            TSNode body = gen_field(d, FLD_BODY);
            const struct gen_func *cf = func_at(m->f, ts_node_start_byte(d));
            struct klass kl = {0};
            uint32_t j, kk;
            int any = 0;

            if (ts_node_is_null(body) || cf == NULL)
                continue;
            kl.name = cf->name;
            kl.node = d;
            kk = ts_node_named_child_count(body);
            for (j = 0; j < kk; j++) {
                TSNode md = definition_of(ts_node_named_child(body, j));
                const struct gen_func *fn;

                if (ts_node_is_null(md) ||
                    strcmp(ts_node_type(md), "function_definition") != 0)
                    continue;
                fn = func_at(m->f, ts_node_start_byte(md));
                if (fn != NULL && strcmp(fn->name, "__init__") == 0)
                    kl.init = md;
                if (marked(fn)) {
                    struct item it = {fn, md, cf->name};

                    GEN_PUSH(m->items, m->nitems, m->capitems, it);
                    if (strcmp(fn->name, "__anext__") == 0)
                        kl.has_anext = 1;
                    any = 1;
                }
            }
            if (any)
                GEN_PUSH(m->classes, m->nclasses, m->capclasses, kl);
        }
    }
}

/* The expression for the undecorated definition in the source module. */
static char *
source_ref(const struct item *it)
{
    if (it->cls)
        return gen_xasprintf("_raw(vars(_src.%s)[\"%s\"])", it->cls,
                             it->fn->name);
    return gen_xasprintf("_raw(_src.%s)", it->fn->name);
}

static void
emit_item(struct module *m, struct gen_buf *b, const struct item *it, int stub)
{
    struct gen_sig s;
    int ind = it->cls ? 4 : 0;
    const char *shim = gen_shim_name(it->fn->boundary);
    const char *facing = it->fn->boundary == GEN_SHIM_A2T ? "Trio" : "asyncio";
    char *ref = source_ref(it), *call;
    char **args;
    size_t nargs, i;
    int is_gen = (it->fn->flags & GEN_FN_GEN) != 0 && !it->fn->acm;

    gen_sig_read(&s, it->def, m->src);
    merge_names(&m->names, &s.names);
    merge_names(&m->ann_names, &s.ann_names);
    if (stub) {
        if (it->fn->acm) {
            m->need_contextlib = m->need_typing = 1;
            gen_emit_def(
                b, ind, "def", it->fn->name, &s, 1,
                "_contextlib.AbstractAsyncContextManager[_typing.Any]",
                " ...");
        }
        else if (is_gen) {
            m->need_typing = 1;
            gen_emit_def(b, ind, "def", it->fn->name, &s, 1,
                         s.ret ? NULL : "_typing.AsyncIterator[_typing.Any]",
                         " ...");
        }
        else {
            gen_emit_def(b, ind, "async def", it->fn->name, &s, 1, NULL,
                         " ...");
        }
        goto out;
    }
    gen_buf_puts(b, "\n");
    if (!it->cls)
        gen_buf_puts(b, "\n");
    gen_buf_printf(
        b, "%*s# %s-facing: %s code, called through %s().\n", ind, "", facing,
        it->fn->boundary == GEN_SHIM_A2T ? "asyncio" : "Trio", shim);
    if (it->fn->acm) {
        m->need_contextlib = 1;
        gen_buf_printf(b, "%*s@_contextlib.asynccontextmanager\n", ind, "");
    }
    gen_emit_def(b, ind, "async def", it->fn->name, &s, 0, NULL, "");
    if (s.doc)
        gen_emit_doc(b, ind + 4, s.doc);
    gen_forward_args(&s, it->cls != NULL, &args, &nargs);
    if (it->cls) {
        /* The wrapped method gets the wrapped instance as self. */
        args = gen_xrealloc(args, (nargs + 1) * sizeof(*args));
        memmove(args + 1, args, nargs * sizeof(*args));
        args[0] = gen_xstrdup("self._impl");
        nargs++;
    }
    if (it->fn->acm || is_gen) {
        /* The call that makes the context manager or iterator goes inside
         * the shim as one argument. */
        struct gen_buf inner = {0};
        char *one;

        if (it->fn->acm)
            gen_buf_printf(&inner, "_contextlib.asynccontextmanager(%s)(",
                           ref);
        else
            gen_buf_printf(&inner, "%s(", ref);
        for (i = 0; i < nargs; i++)
            gen_buf_printf(&inner, "%s%s", i ? ", " : "", args[i]);
        gen_buf_puts(&inner, ")");
        one = inner.data;
        call = gen_xasprintf("async %s _rt.%s",
                             it->fn->acm ? "with" : "for _item in", shim);
        gen_emit_call(b, ind + 4, call, &one, 1,
                      it->fn->acm ? " as _value:" : ":");
        gen_buf_printf(b, "%*syield %s\n", ind + 8, "",
                       it->fn->acm ? "_value" : "_item");
        gen_buf_free(&inner);
    }
    else {
        call = gen_xasprintf("return await _rt.%s(%s)", shim, ref);
        gen_emit_call(b, ind + 4, call, args, nargs, "");
    }
    free(call);
    for (i = 0; i < nargs; i++)
        free(args[i]);
    free(args);
out:
    free(ref);
    gen_sig_free(&s);
}

static void
emit_class_head(struct module *m, struct gen_buf *b, const struct klass *k,
                int stub)
{
    TSNode body = gen_field(k->node, FLD_BODY);
    TSNode first = ts_node_named_child(body, 0);
    struct gen_sig s;
    char **args;
    size_t nargs, i;

    gen_buf_printf(b, stub ? "\nclass %s:\n" : "\n\nclass %s:\n", k->name);
    if (!stub && strcmp(ts_node_type(first), "expression_statement") == 0 &&
        ts_node_named_child_count(first) == 1 &&
        strcmp(ts_node_type(ts_node_named_child(first, 0)), "string") == 0) {
        TSNode str = ts_node_named_child(first, 0);
        char *doc =
            gen_xstrndup(m->src + ts_node_start_byte(str),
                         ts_node_end_byte(str) - ts_node_start_byte(str));

        gen_emit_doc(b, 4, doc);
        gen_buf_puts(b, "\n");
        free(doc);
    }
    if (ts_node_is_null(k->init)) {
        if (stub) {
            gen_buf_puts(b, "    def __init__(self, *args: _typing.Any, "
                            "**kwargs: _typing.Any) -> None: ...\n");
            m->need_typing = 1;
        }
        else {
            gen_buf_printf(b,
                           "    def __init__(self, *args, **kwargs):\n"
                           "        self._impl = _src.%s(*args, **kwargs)\n",
                           k->name);
        }
    }
    else {
        gen_sig_read(&s, k->init, m->src);
        merge_names(&m->names, &s.names);
        merge_names(&m->ann_names, &s.ann_names);
        if (stub) {
            gen_emit_def(b, 4, "def", "__init__", &s, 1, NULL, " ...");
        }
        else {
            char *pre = gen_xasprintf("self._impl = _src.%s", k->name);

            gen_emit_def(b, 4, "def", "__init__", &s, 0, NULL, "");
            gen_forward_args(&s, 1, &args, &nargs);
            gen_emit_call(b, 8, pre, args, nargs, "");
            for (i = 0; i < nargs; i++)
                free(args[i]);
            free(args);
            free(pre);
        }
        gen_sig_free(&s);
    }
    if (k->has_anext) {
        if (stub)
            gen_buf_printf(b, "    def __aiter__(self) -> %s: ...\n", k->name);
        else
            gen_buf_puts(b, "\n    def __aiter__(self):\n"
                            "        return self\n");
    }
}

static void
emit_imports(struct gen_buf *b, const struct gen_map *names,
             const char *modname)
{
    char **sorted = NULL;
    size_t n = 0, cap = 0, i, j;

    for (i = 0; i < names->cap; i++)
        if (names->keys[i] != NULL)
            GEN_PUSH(sorted, n, cap, names->keys[i]);
    /* Insertion sort: a handful of names. */
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
            char *t = sorted[j];

            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    for (i = 0; i < n; i++)
        gen_buf_printf(b, "from %s import %s\n", modname, sorted[i]);
    free(sorted);
}

/* Build the adapter (stub = 0) or the stub (stub = 1) text. */
static char *
render(struct module *m, const char *runtime, int stub)
{
    struct gen_buf body = {0}, b = {0};
    size_t i, k;
    const char *modname = m->f->modname;

    /* Body first: it decides which names and helpers are needed. */
    for (k = 0; k < m->nitems; k++) {
        const struct item *it = &m->items[k];

        if (it->cls != NULL) {
            /* Emit the class (once) when its first marked method comes. */
            for (i = 0; i < k; i++)
                if (m->items[i].cls && strcmp(m->items[i].cls, it->cls) == 0)
                    break;
            if (i == k) {
                for (i = 0; i < m->nclasses; i++)
                    if (strcmp(m->classes[i].name, it->cls) == 0)
                        emit_class_head(m, &body, &m->classes[i], stub);
            }
        }
        emit_item(m, &body, it, stub);
    }
    gen_buf_puts(&b, GEN_HEADER);
    gen_buf_printf(&b, GEN_SOURCE_PREFIX "%s\n", m->f->path);
    if (!stub) {
        gen_buf_printf(&b,
                       "\"\"\"Adapters that call %s's shims explicitly."
                       "\n\nSource module: ``%s``.\n\"\"\"\n\n",
                       runtime, modname);
        gen_buf_puts(&b, "from __future__ import annotations\n\n");
        if (m->need_contextlib)
            gen_buf_puts(&b, "import contextlib as _contextlib\n\n");
        gen_buf_printf(&b, "import %s as _src\nimport %s as _rt\n", modname,
                       runtime);
        emit_imports(&b, &m->names, modname);
        gen_buf_puts(&b, "\n__all__ = [");
        for (k = 0, i = 0; k < m->nitems; k++) {
            const char *n =
                m->items[k].cls ? m->items[k].cls : m->items[k].fn->name;
            size_t j;

            /* Each class once, in source order. */
            for (j = 0; j < k; j++)
                if (m->items[j].cls && m->items[k].cls &&
                    strcmp(m->items[j].cls, m->items[k].cls) == 0)
                    break;
            if (j < k || n[0] == '_')
                continue;
            gen_buf_printf(&b, "%s\"%s\"", i++ ? ", " : "", n);
        }
        gen_buf_puts(&b, "]\n\n\n"
                         "def _raw(obj):\n"
                         "    \"\"\"Return the function under a boundary "
                         "decorator.\"\"\"\n"
                         "    while True:\n"
                         "        inner = getattr(obj, \"__wrapped__\", "
                         "None)\n"
                         "        if inner is None:\n"
                         "            inner = getattr(obj, \"proc\", None)\n"
                         "        if inner is None:\n"
                         "            return obj\n"
                         "        obj = inner\n");
    }
    else {
        size_t before;

        gen_buf_puts(&b, "\n");
        before = b.len;
        if (m->need_contextlib)
            gen_buf_puts(&b, "import contextlib as _contextlib\n");
        if (m->need_typing)
            gen_buf_puts(&b, "import typing as _typing\n");
        emit_imports(&b, &m->ann_names, modname);
        if (b.len != before)
            gen_buf_puts(&b, "\n");
    }
    gen_buf_append(&b, body.data ? body.data : "", body.len);
    gen_buf_free(&body);
    return b.data;
}

int
gen_has_marked(const struct gen_file *f)
{
    size_t i;

    for (i = 0; i < f->nfuncs; i++)
        if (marked(&f->funcs[i]) && strchr(f->funcs[i].qualname, '.') ==
                                        strrchr(f->funcs[i].qualname, '.'))
            return 1;
    return 0;
}

void
gen_render(struct gen_modeler *ml, const struct gen_file *f, const char *src,
           size_t len, const char *runtime, char **py, char **pyi)
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
    if (tree != NULL) {
        collect(&m, ts_tree_root_node(tree));
        if (m.nitems > 0) {
            *py = render(&m, runtime, 0);
            *pyi = render(&m, runtime, 1);
        }
        ts_tree_delete(tree);
    }
    gen_file_free(&scratch);
    gen_map_free(&m.names);
    gen_map_free(&m.ann_names);
    free(m.items);
    free(m.classes);
}
