/* Rendering one module's adapter and stub from its source tree: which
 * definitions are marked, and the Python text that calls them through the
 * runtime's shims.  Writes nothing (see gen.c). */
#ifndef GEN_ADAPTER_H
#define GEN_ADAPTER_H

#include "project.h"

/* Whether f may have a boundary-marked definition gen adapts (an async
 * function or method, at top level, in a class, nested class or an
 * if/try block); gen_render() decides. */
int
gen_has_marked(const struct gen_file *f);

/* Render the adapter and stub texts for f, whose source is src, into *py
 * and *pyi (caller frees), or set both to NULL if f has nothing adapted.
 * runtime is the module the shims come from, why says how it was chosen
 * (recorded in the header).  A marked definition whose decorators cannot
 * be kept is not adapted, with a message on stderr.  Writes no file; used
 * by gen_generate() and the fuzz target.  Uses f's kept tree when it has
 * one, else parses src with ml. */
void
gen_render(struct gen_modeler *ml, const struct gen_file *f, const char *src,
           size_t len, const char *runtime, const char *why, char **py,
           char **pyi);

#endif /* GEN_ADAPTER_H */
