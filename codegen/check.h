/* The rules: turn an analysed project into diagnostics. */
#ifndef GEN_CHECK_H
#define GEN_CHECK_H

#include "project.h"
#include "report.h"

/* Report every finding in the explicit files of p.  I/O errors are printed
 * as warnings; returns the number of files that could not be read. */
size_t
gen_check_project(const struct gen_project *p, struct gen_report *r);

#endif /* GEN_CHECK_H */
