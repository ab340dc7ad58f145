/* What the tool knows about code outside the project: the boundary shims
 * of the runtime and the domain of library packages. */
#ifndef GEN_LIBS_H
#define GEN_LIBS_H

#include "project.h"

/* Whether a name's last component is a boundary decorator's name
 * (aio_as_trio, trio2aio, trio_as_aio, aio2trio and the aliases). */
int
gen_is_boundary_name(const char *last);

/* Which boundary shim a resolved name is (enum gen_shim), also accepting
 * the legacy loop methods (run_asyncio, run_trio...). */
int
gen_shim_of(const struct gen_project *p, const char *fqn);

/* The domain of a resolved library name (enum gen_domain), GEN_DOM_NONE
 * for neutral packages and for anything unknown. */
int
gen_lib_domain(const struct gen_project *p, const char *fqn);

/* The name of a shim kind for messages: "aio_as_trio" / "trio_as_aio". */
const char *
gen_shim_name(int shim);

/* "asyncio" / "Trio" / "mixed" / "unknown". */
const char *
gen_domain_name(int dom);

#endif /* GEN_LIBS_H */
