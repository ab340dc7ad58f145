/* Writing adapter modules and .pyi stubs for boundary-marked code. */
#ifndef GEN_GEN_H
#define GEN_GEN_H

#include "project.h"

struct gen_gen_opts {
    const char *out;     /* output directory */
    const char *runtime; /* module the adapters import shims from, or
                            "auto": the one each source imports */
    int line_length;     /* 0: from the project's [tool.black], else 88 */
    int check;           /* report what would change, write nothing */
    int diff;            /* print a unified diff, write nothing */
    int quiet;
};

/* Generate adapters for every explicit module of p with boundary-marked
 * definitions.  Returns an exit status (0 clean, 1 changes found with
 * --check or syntax errors, 2 I/O error or refusal to overwrite). */
int
gen_generate(const struct gen_project *p, const struct gen_gen_opts *o);

#endif /* GEN_GEN_H */
