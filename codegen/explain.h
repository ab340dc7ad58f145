/* `trioaio-gen explain FILE[:FUNCTION]`: the evidence chain behind each
 * function's domain, for a user who wants to know why a finding says what
 * it says. */
#ifndef GEN_EXPLAIN_H
#define GEN_EXPLAIN_H

#include <stdio.h>

#include "project.h"

/* Print the domain and evidence of every async function in f (or only
 * those whose qualname or name is func, if func is not NULL).  Returns
 * the number of functions printed. */
size_t
gen_explain_file(const struct gen_file *f, const char *func, FILE *out);

#endif /* GEN_EXPLAIN_H */
