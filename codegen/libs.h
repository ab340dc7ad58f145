/* What the tool knows about code outside the project: the boundary shims
 * of the runtime and the domain of library packages. */
#ifndef GEN_LIBS_H
#define GEN_LIBS_H

#include "project.h"

/* Whether a name's last component is a boundary decorator's name
 * (aio_as_trio, trio2aio, trio_as_aio, aio2trio and the aliases). */
int
gen_is_boundary_name(const char *last);

/* Whether a dotted module name is in the runtime (trioaio, trio_asyncio,
 * or the --runtime module). */
int
gen_is_runtime(const struct gen_project *p, const char *mod);

/* Which boundary shim a resolved name is (enum gen_shim), also accepting
 * the legacy loop methods (run_asyncio, run_trio...). */
int
gen_shim_of(const struct gen_project *p, const char *fqn);

/* One row of the library table. */
struct gen_libpkg {
    const char *name; /* dotted package prefix */
    int dom;          /* enum gen_domain; GEN_DOM_NONE: neutral */
};

/* The library table (for `trioaio-gen libraries` and the docs). */
const struct gen_libpkg *
gen_libs_table(size_t *n);

/* The domain of a resolved library name seen from file f (enum
 * gen_domain): GEN_DOM_NONE for neutral packages, for the project's own
 * packages (whatever their name) and for anything unknown. */
int
gen_lib_domain(struct gen_project *p, const struct gen_file *f,
               const char *fqn);

/* Whether top[0:n] is a top-level package or module of the project
 * (loaded, or on disk next to f's package); cached in p->tops. */
int
gen_is_project_package(struct gen_project *p, const struct gen_file *f,
                       const char *top, size_t n);

/* Whether a resolved name is a library context manager that no shim can
 * carry across domains (a nursery, a cancel scope, open_loop()). */
int
gen_lib_is_scope(const struct gen_project *p, const char *fqn);

/* The type a library factory's result has when it is not an object of
 * the factory's package (open_loop() -> asyncio.AbstractEventLoop), or
 * NULL. */
const char *
gen_lib_factory_type(const struct gen_project *p, const char *fqn);

/* The domain a runner or scheduler runs the callable handed to it in:
 * fqn is the resolved callee or NULL, raw the callee as written. */
int
gen_entry_domain(const struct gen_project *p, const char *fqn,
                 const char *raw);

/* The name of a shim kind for messages: "aio_as_trio" / "trio_as_aio". */
const char *
gen_shim_name(int shim);

/* "asyncio" / "Trio" / "mixed" / "unknown". */
const char *
gen_domain_name(int dom);

#endif /* GEN_LIBS_H */
