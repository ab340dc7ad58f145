/* Name resolution across the project: what a dotted name written in one
 * module denotes (imports, relative imports, star imports, re-exports,
 * self.method), and the project definition a resolved name is. */
#ifndef GEN_RESOLVE_H
#define GEN_RESOLVE_H

#include "project.h"

/* The resolved dotted name of `dotted` as seen from fn in f, or NULL when
 * no import or definition binds its first component. */
char *
gen_project_resolve(const struct gen_project *p, const struct gen_file *f,
                    const struct gen_func *fn, const char *dotted);

/* The absolute module an import statement names (resolving leading
 * dots against f's package), or NULL if it climbs above the top. */
char *
gen_import_module(const struct gen_file *f, const struct gen_import *im);

/* The project function or class a resolved name denotes, following
 * re-exports such as `from .impl import fetch` in a package; pass depth 0.
 * NULL when the name is not a loaded project definition. */
const struct gen_func *
gen_find_func(const struct gen_project *p, const char *fqn, int depth);

#endif /* GEN_RESOLVE_H */
