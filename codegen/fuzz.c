/* libFuzzer target: model building, the whole analysis and the rules, and
 * adapter rendering, on arbitrary bytes as one module; the cache's codec
 * round trip on that model; and the cache's readers (a pack, an encoded
 * model, a run record) on the same bytes.  Built and run by `make gen-fuzz`
 * (see codegen/gen.mk). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "check.h"
#include "adapter.h"
#include "codec.h"
#include "gen.h"
#include "index.h"
#include "project.h"
#include "lang.h"
#include "report.h"
#include "runs.h"
#include "util.h"

/* What the cache would store for f must read back as the same facts. */
static void
codec_round_trip(const struct gen_file *f)
{
    struct gen_buf a = {0}, b = {0};
    struct gen_file g = {0};

    gen_facts_encode(f, &a);
    if (gen_facts_decode(&g, a.data ? a.data : "", a.len) != 0)
        abort();
    gen_facts_encode(&g, &b);
    if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
        abort();
    gen_file_free(&g);
    gen_buf_free(&a);
    gen_buf_free(&b);
}

static void
count_decoded(struct gen_file *f, void *arg)
{
    *(size_t *)arg += f->nfuncs;
}

/* The readers must take any bytes: as a pack, and as an encoded model
 * (which, when it decodes, must encode back to the same bytes). */
static void
cache_readers(const uint8_t *data, size_t size)
{
    struct gen_cache *c = gen_cache_new_empty();
    struct gen_file g = {0};
    size_t n = 0;

    gen_cache_load_pack(c, (const char *)data, size, count_decoded, &n);
    gen_cache_close(c);
    if (gen_facts_decode(&g, (const char *)data, size) == 0) {
        struct gen_buf b = {0};

        gen_facts_encode(&g, &b);
        if (b.len != size || memcmp(b.data, data, size) != 0) {
            /* Varints have one shortest form, but a decoder also takes
             * longer ones: only the facts must agree. */
            struct gen_file h = {0};
            struct gen_buf c2 = {0};

            if (gen_facts_decode(&h, b.data, b.len) != 0)
                abort();
            gen_facts_encode(&h, &c2);
            if (c2.len != b.len || memcmp(c2.data, b.data, b.len) != 0)
                abort();
            gen_file_free(&h);
            gen_buf_free(&c2);
        }
        gen_buf_free(&b);
    }
    gen_file_free(&g);
}

static int
every_probe_holds(const struct gen_probe *pr, void *arg)
{
    /* Without asking the file system: the parser is what is fuzzed. */
    *(size_t *)arg += strlen(pr->path) + (pr->real ? strlen(pr->real) : 0);
    return 1;
}

/* A run record's reader must take any bytes too; the key is whatever the
 * bytes hold where a key would be. */
static void
record_reader(const uint8_t *data, size_t size)
{
    struct gen_digest key = {0, 0};
    const char *out = NULL;
    size_t len = 0, nfiles = 0, seen = 0;
    int status = 0;

    if (size >= 24) {
        memcpy(&key.lo, data + 8, 8);
        memcpy(&key.hi, data + 16, 8);
    }
    if (gen_runs_read((const char *)data, size, key, every_probe_holds, &seen,
                      &out, &len, &status, &nfiles) == 1 &&
        (out + len > (const char *)data + size || out < (const char *)data))
        abort();
}

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
    codec_round_trip(f);
    cache_readers(data, size);
    record_reader(data, size);
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
