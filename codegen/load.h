/* Loading files into the project: reading and modelling them on all
 * threads, and then the project modules they need for name resolution. */
#ifndef GEN_LOAD_H
#define GEN_LOAD_H

#include "project.h"

/* Read and model paths (explicit or not) on p->threads threads. */
void
gen_project_load(struct gen_project *p, char **paths, size_t n, int explicit_);

/* Load, from disk, the project modules that the loaded files' awaited,
 * entered and iterated names come from (and what package __init__ files
 * re-export), for a bounded number of rounds; they are not explicit. */
void
gen_project_load_imported(struct gen_project *p);

#endif /* GEN_LOAD_H */
