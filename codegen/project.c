#include "project.h"

#include <stdlib.h>

#include "util.h"

void
gen_project_free(struct gen_project *p)
{
    size_t i;

    for (i = 0; i < p->nfiles; i++) {
        gen_file_free(p->files[i]);
        free(p->files[i]);
    }
    free(p->files);
    gen_map_free(&p->by_module);
    gen_map_free(&p->by_fqn);
    gen_map_free(&p->tops);
    gen_map_free(&p->queued);
    if (p->lazy_m != NULL)
        gen_modeler_delete(p->lazy_m);
    p->lazy_m = NULL;
    p->files = NULL;
    p->nfiles = p->cap = 0;
}
