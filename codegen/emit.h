/* Formatting Python for adapters and stubs: signatures taken from the
 * source tree, forwarding calls, wrapping at gen_line_length columns the
 * way black does. */
#ifndef GEN_EMIT_H
#define GEN_EMIT_H

#include <tree_sitter/api.h>

#include "util.h"

enum gen_pkind {
    GEN_P_POS,      /* positional or keyword (or positional-only) */
    GEN_P_STAR,     /* *args */
    GEN_P_KW,       /* keyword-only */
    GEN_P_KWARGS,   /* **kwargs */
    GEN_P_BARESTAR, /* the lone * */
    GEN_P_SLASH,    /* the / of positional-only parameters */
};

struct gen_param {
    char *text; /* as written, whitespace folded */
    char *stub; /* same with the default replaced by ... */
    char *name; /* NULL for * and / */
    int kind;
    int typed; /* has an annotation */
    int dflt;  /* has a default */
};

struct gen_sig {
    struct gen_param *params;
    size_t n, cap;
    char *ret;                 /* return annotation text, or NULL */
    char *doc;                 /* docstring literal as written, or NULL */
    struct gen_map names;      /* free names in defaults and annotations */
    struct gen_map ann_names;  /* free names in annotations */
    struct gen_map dflt_names; /* free names in defaults */
};

/* The line length generated code is wrapped at (black's, default 88). */
extern int gen_line_length;

/* Read the signature and docstring of a function_definition node. */
void
gen_sig_read(struct gen_sig *s, TSNode def, const char *src);
void
gen_sig_free(struct gen_sig *s);

/* Append "def name(params) -> ret:" at indent, wrapped to
 * gen_line_length.  stub 0 writes the parameters as the source does, 1
 * with defaults as ..., 2 and 3 also with _typing.Any for parameters
 * without annotation (2 leaves the first, self or cls, alone). */
void
gen_emit_def(struct gen_buf *b, int indent, const char *kw, const char *name,
             const struct gen_sig *s, int stub, const char *ret_override,
             const char *tail);

/* Append the forwarding argument list for s (a, *args, k=k, **kw),
 * skipping the first parameter if skip_first, comma-separated into
 * items. */
void
gen_forward_args(const struct gen_sig *s, int skip_first, char ***items,
                 size_t *n);

/* Append "prefix(items...)suffix\n" at indent, wrapped to
 * gen_line_length. */
void
gen_emit_call(struct gen_buf *b, int indent, const char *prefix,
              char *const *items, size_t n, const char *suffix);

/* Append "open items... close\n" (a list display), one item a line
 * with a trailing comma when it does not fit, as black does. */
void
gen_emit_list(struct gen_buf *b, int indent, const char *open,
              char *const *items, size_t n, const char *close);

/* Append a docstring literal at indent (continuation lines as written). */
void
gen_emit_doc(struct gen_buf *b, int indent, const char *doc);

/* 1 if name is a Python builtin (never imported from the source). */
int
gen_is_builtin(const char *name);

#endif /* GEN_EMIT_H */
