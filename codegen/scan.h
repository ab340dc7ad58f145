/* Finding the Python files to check, and naming their modules. */
#ifndef GEN_SCAN_H
#define GEN_SCAN_H

#include <stddef.h>

#include "util.h"

struct gen_scan {
    const char **excludes; /* fnmatch globs, borrowed */
    size_t nexcludes;
    char **paths; /* result, owned */
    size_t npaths, cap;
    struct gen_map seen; /* path -> (void *)1 */
    struct gen_map dirs; /* directory -> struct gen_pkgdir *, cache */
    struct gen_map real; /* directory as written -> its realpath, owned */
};

/* Add every .py and .pyi file under path (a file or directory) to s->paths,
 * in a deterministic order, skipping hidden directories, virtual
 * environments, build outputs and excluded globs.  A path named on the
 * command line is never skipped by the default rules; only regular files
 * are taken from a walk.  Returns 0, or -1 after printing a warning if
 * path cannot be read or is neither a directory nor a regular file (a
 * FIFO, socket or device). */
int
gen_scan_path(struct gen_scan *s, const char *path);

/* The dotted module name of a Python file (pkg.sub.mod, or pkg.sub for
 * pkg/sub/__init__.py) and the directory its top package lives in (the
 * sys.path entry), both newly allocated.  *is_init says __init__.py. */
void
gen_scan_module(struct gen_scan *s, const char *path, char **modname,
                char **root, int *is_init);

/* 1 if path exists and is a regular file. */
int
gen_is_file(const char *path);

void
gen_scan_free(struct gen_scan *s);

#endif /* GEN_SCAN_H */
