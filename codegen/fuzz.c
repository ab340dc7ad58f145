/* libFuzzer target: model building, the whole analysis and the rules, and
 * adapter rendering, on arbitrary bytes as one module.  Built and run by
 * `make gen-fuzz` (see codegen/gen.mk). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "adapter.h"
#include "gen.h"
#include "index.h"
#include "project.h"
#include "lang.h"
#include "report.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gen_modeler *ml;
    struct gen_project p = {0};
    struct gen_report r = {0};
    struct gen_file *f;
    char *src, *py = NULL, *pyi = NULL;

    if (ml == NULL) {
        gen_lang_init();
        ml = gen_modeler_new();
    }
    src = gen_xstrndup((const char *)data, size);
    f = gen_xcalloc(1, sizeof(*f));
    f->path = gen_xstrdup("fuzz/pkg/mod.py");
    f->modname = gen_xstrdup("pkg.mod");
    f->root = gen_xstrdup("/nonexistent-trioaio-fuzz");
    f->explicit_ = 1;
    gen_model_build(ml, f, src, size, NULL);
    GEN_PUSH(p.files, p.nfiles, p.cap, f);
    p.threads = 1;
    p.runtime = "trioaio";
    gen_project_analyse(&p);
    gen_check_project(&p, &r);
    gen_render(ml, f, src, size, "trioaio", "fuzz", &py, &pyi);
    if ((py == NULL) != (pyi == NULL))
        abort();
    free(py);
    free(pyi);
    gen_report_free(&r);
    gen_project_free(&p);
    free(src);
    return 0;
}
