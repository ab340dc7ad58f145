#include "explain.h"

#include <string.h>

#include "index.h"
#include "libs.h"
#include "util.h"

/* How deep a chain of propagated evidence is followed. */
#define CHAIN_DEPTH 8

static const char *
strength(int tier)
{
    return tier >= GEN_TIER_LIB_WITH ? "strong" : "weak";
}

static void
print_evid(const struct gen_evid *e, int decides, int indent, FILE *out)
{
    struct gen_buf b = {0};

    gen_evid_reason(&b, e, NULL);
    fprintf(out, "%*s%s %-6s %-13s %s: %s\n", indent, "", decides ? "*" : "-",
            strength(e->tier), gen_domain_name(e->dom), gen_evk_name(e->kind),
            b.data);
    gen_buf_free(&b);
}

static void
print_chain(const struct gen_func *fn, int indent, int depth, FILE *out)
{
    size_t i;

    for (i = 0; i < fn->nevid; i++) {
        const struct gen_evid *e = &fn->evid[i];
        int decides = e->tier == fn->tier && (fn->domain & e->dom);

        print_evid(e, decides, indent, out);
        if (decides && e->via != NULL && e->kind == GEN_EVK_PROPAGATED &&
            depth < CHAIN_DEPTH && e->via != fn) {
            fprintf(out, "%*s  because `%s` is %s:\n", indent, "",
                    e->via->qualname, gen_domain_name(e->via->iface));
            print_chain(e->via, indent + 4, depth + 1, out);
        }
    }
}

size_t
gen_explain_file(const struct gen_file *f, const char *func, FILE *out)
{
    size_t i, n = 0;

    for (i = 0; i < f->nfuncs; i++) {
        const struct gen_func *fn = &f->funcs[i];
        size_t j, regions = 0;

        if (!(fn->flags & GEN_FN_ASYNC) || (fn->flags & GEN_FN_CLASS))
            continue;
        if (func != NULL && strcmp(func, fn->qualname) != 0 &&
            strcmp(func, fn->name) != 0)
            continue;
        n++;
        fprintf(out, "%s:%u: `%s` is %s", f->path, fn->line, fn->qualname,
                fn->domain ? gen_domain_name(fn->domain) : "not decided");
        if (fn->boundary)
            fprintf(out, " (called from %s code: `@%s`)",
                    gen_domain_name(fn->iface), fn->bdeco->name);
        else if (fn->domain == GEN_DOM_NONE && (fn->flags & GEN_FN_DISPATCH))
            fprintf(out, " (neutral: it dispatches on the running library)");
        else if (fn->domain == GEN_DOM_NONE)
            fprintf(out, " (no evidence: not checked)");
        else if (fn->domain == GEN_DOM_MIXED)
            fprintf(out, " (conflicting %s evidence: TA003)",
                    strength(fn->tier));
        fprintf(out, "\n");
        print_chain(fn, 2, 0, out);
        for (j = 0; j < fn->nevents; j++)
            if (fn->events[j].region)
                regions++;
        if (regions)
            fprintf(out,
                    "  dispatches on the running library: %zu await(s) "
                    "checked in their branch's domain\n",
                    regions);
    }
    return n;
}
