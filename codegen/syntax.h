/* Reading Python syntax trees: positions, the dotted names expressions
 * spell, call arguments and annotations.  Pure functions of a node and
 * the source text; every returned string is the caller's to free. */
#ifndef GEN_SYNTAX_H
#define GEN_SYNTAX_H

#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

/* 1-based character column of byte offset `byte` whose row starts at
 * `line_start`. */
uint32_t
gen_char_col(const char *src, uint32_t line_start, uint32_t byte);

/* The 1-based line and character column where n starts. */
void
gen_node_pos(TSNode n, const char *src, uint32_t *line, uint32_t *col);

/* The source text of n. */
char *
gen_node_text(TSNode n, const char *src);

/* The dotted name an expression node spells (a, a.b.c; `super().m` is
 * "super.m"), or NULL. */
char *
gen_dotted(TSNode n, const char *src);

/* n without the parentheses around it. */
TSNode
gen_unparen(TSNode n);

/* The first positional argument of a call, or a null node. */
TSNode
gen_first_arg(TSNode call);

/* The want-th positional argument of a call (0-based), or a null node;
 * nothing after a *args, whose length is unknown. */
TSNode
gen_nth_arg(TSNode call, uint32_t want);

/* The dotted name of a callable: f in `f` and in `f(...)`, or NULL. */
char *
gen_callable_name(TSNode n, const char *src);

/* The last component of a dotted name (borrowed from it). */
const char *
gen_last_part(const char *dotted);

/* Whether s is one of list[0:n]. */
int
gen_name_in(const char *s, const char *const *list, size_t n);
#define GEN_NAME_IN(s, l) gen_name_in((s), (l), sizeof(l) / sizeof((l)[0]))

/* Whether n spells the dotted name s. */
int
gen_text_is(TSNode n, const char *src, const char *s);

/* The library a string literal names: GEN_DOM_TRIO for "trio",
 * GEN_DOM_AIO for "asyncio", else 0. */
int
gen_lib_literal(TSNode str, const char *src);

/* The dotted name an annotation spells: `T`, `a.T`, the same in a string,
 * `T | None` and `Optional[T]`; NULL for anything else. */
char *
gen_annot_name(TSNode type, const char *src);

/* Whether a statement node starts with `async`. */
int
gen_starts_async(TSNode n);

#endif /* GEN_SYNTAX_H */
