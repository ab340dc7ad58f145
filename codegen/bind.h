/* Bindings: what the receivers of awaited methods and runner calls are.
 * After the walk, for each function, the assignments, annotations and
 * `as` targets of the local names and `self.x` attributes its events use
 * as receivers are recorded in gen_func.binds, as written; the index
 * resolves them. */
#ifndef GEN_BIND_H
#define GEN_BIND_H

#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

#include "facts.h"

/* Append a binding (taking ownership of name and type). */
void
gen_bind_add(struct gen_bind **v, size_t *n, size_t *cap, char *name,
             char *type, uint32_t line);

/* The binding pass over f, whose module node is root: nodes[i] is the
 * tree node of f->funcs[i] and parents[i] the index of its enclosing
 * definition, or -1. */
void
gen_bind_pass(struct gen_file *f, TSNode root, const TSNode *nodes,
              const long *parents, const char *src);

/* Whether the source of `body` may bind `word`: `word =`, `word:`,
 * `as word`, `for word` (conservative: a keyword argument counts). */
int
gen_maybe_rebound(TSNode body, const char *word, const char *src);

#endif /* GEN_BIND_H */
