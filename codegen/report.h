/* Collecting diagnostics and printing them: text, json, sarif, github. */
#ifndef GEN_REPORT_H
#define GEN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "model.h"

enum gen_format {
    GEN_FMT_TEXT,
    GEN_FMT_JSON,
    GEN_FMT_SARIF,
    GEN_FMT_GITHUB,
};

struct gen_diag {
    const char *path; /* borrowed from the file */
    uint32_t line, col;
    char code[8];
    char *msg;
};

struct gen_report {
    struct gen_diag *diags;
    size_t n, cap;
    const char **select; /* code prefixes; none means all */
    size_t nselect;
    const char **ignore; /* code prefixes */
    size_t nignore;
    size_t suppressed; /* by # noqa */
};

/* Whether code passes --select/--ignore. */
int
gen_report_enabled(const struct gen_report *r, const char *code);

/* Add a diagnostic unless it is filtered out or suppressed by a noqa
 * comment on its line in f. */
void
gen_report_add(struct gen_report *r, const struct gen_file *f, uint32_t line,
               uint32_t col, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Sort by path, line, column, code and print in fmt.  With statistics,
 * also print one line per code with its count (to stdout for text, else
 * to stderr so that machine output stays valid). */
void
gen_report_print(struct gen_report *r, enum gen_format fmt, int statistics,
                 FILE *out);

/* Parse "text", "json", "sarif", "github"; -1 if unknown. */
int
gen_format_parse(const char *s);

void
gen_report_free(struct gen_report *r);

/* Append s to b as the body of a JSON string (no quotes). */
struct gen_buf;
void
gen_json_escape(struct gen_buf *b, const char *s);

#endif /* GEN_REPORT_H */
