/* Domains: deciding, for every async function of the project, whether it
 * is asyncio code or Trio code, from the evidence its body and its callers
 * give (see docs/generator-rules.md). */
#ifndef GEN_INDEX_H
#define GEN_INDEX_H

#include "project.h"

/* Load imported project modules, resolve names, infer domains. */
void
gen_project_analyse(struct gen_project *p);

#endif /* GEN_INDEX_H */
