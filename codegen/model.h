/* Per-file model: what one Python module imports, defines and awaits.
 *
 * A model is built from a parse tree by gen_model_build() (one call per file,
 * on any thread) and holds no tree-sitter objects afterwards, so the tree and
 * the source text can be freed at once.  Names are stored as written
 * (dotted text); the project index (index.c) resolves them. */
#ifndef GEN_MODEL_H
#define GEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

#include "facts.h"

/* Per-thread state for building models: a parser and a query cursor. */
struct gen_modeler;

struct gen_modeler *
gen_modeler_new(void);
void
gen_modeler_delete(struct gen_modeler *m);

/* Parse src and fill f (whose path is set).  Never fails: a syntax error is
 * recorded in f->syntax_error.  If keep_tree is not NULL the tree is
 * returned there and the caller must ts_tree_delete() it. */
void
gen_model_build(struct gen_modeler *m, struct gen_file *f, const char *src,
                size_t len, TSTree **keep_tree);

/* Parse only (the benchmark's floor). */
void
gen_model_parse_only(struct gen_modeler *m, const char *src, size_t len);

/* Free everything f owns, leaving it zeroed. */
void
gen_file_free(struct gen_file *f);

#endif /* GEN_MODEL_H */
