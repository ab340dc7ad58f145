/* Rendering one module's adapter and stub from its source tree: which
 * definitions are marked, and the Python text that calls them through the
 * runtime's shims.  Writes nothing (see gen.c). */
#ifndef GEN_ADAPTER_H
#define GEN_ADAPTER_H

#include "project.h"

/* Whether f has a boundary-marked definition gen adapts: a top-level async
 * function or a method of a top-level class. */
int
gen_has_marked(const struct gen_file *f);

/* Render the adapter and stub texts for f, whose source is src, into *py
 * and *pyi (caller frees), or set both to NULL if f has nothing marked.
 * Writes nothing; used by gen_generate() and the fuzz target.  Uses f's
 * kept tree when it has one, else parses src with ml. */
void
gen_render(struct gen_modeler *ml, const struct gen_file *f, const char *src,
           size_t len, const char *runtime, char **py, char **pyi);

#endif /* GEN_ADAPTER_H */
