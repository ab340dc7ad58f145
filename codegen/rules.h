/* The rule table: stable codes, short names and one-line summaries.
 * Codes are never reused or renumbered; docs/generator-rules.md documents
 * each with a wrong and a right example (a test checks that). */
#ifndef GEN_RULES_H
#define GEN_RULES_H

#include <stddef.h>

struct gen_rule {
    const char *code;
    const char *name;
    const char *summary;
};

extern const struct gen_rule gen_rules[];
extern const size_t gen_nrules;

#endif /* GEN_RULES_H */
