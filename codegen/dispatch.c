#include "dispatch.h"

#include <string.h>

#include "lang.h"
#include "facts.h"
#include "syntax.h"
#include "util.h"

/* The dispatch region around byte b: the innermost one that holds it. */
uint8_t
gen_region_at(const struct gen_regions *m, uint32_t b)
{
    size_t i;

    for (i = m->nregions; i-- > 0;)
        if (m->regions[i].start <= b && b < m->regions[i].end)
            return m->regions[i].region;
    return GEN_REGION_NONE;
}

/* A test of the running library: `X == "trio"` where X is
 * `sniffio.current_async_library()` or a name (a backend parameter).
 * Returns the domain named, | 8 when the test is negated (!=, is not),
 * or 0. */
static int
dispatch_test(TSNode cond, const char *src)
{
    uint32_t i, k;
    int dom = 0, neg = 0, other = 0;

    cond = gen_unparen(cond);
    if (ts_node_is_null(cond) || !gen_is(cond, SYM_COMPARISON_OPERATOR) ||
        ts_node_named_child_count(cond) != 2)
        return 0;
    k = ts_node_child_count(cond);
    for (i = 0; i < k; i++) {
        TSNode ch = ts_node_child(cond, i);
        const char *t = ts_node_type(ch);

        if (!ts_node_is_named(ch)) {
            if (strcmp(t, "!=") == 0 || strcmp(t, "not") == 0)
                neg = 1;
            else if (strcmp(t, "==") != 0 && strcmp(t, "is") != 0)
                return 0;
            continue;
        }
        if (gen_is(ch, SYM_STRING)) {
            uint32_t j, m = ts_node_named_child_count(ch);

            for (j = 0; j < m; j++) {
                TSNode sc = ts_node_named_child(ch, j);
                uint32_t a = ts_node_start_byte(sc), e = ts_node_end_byte(sc);

                if (!gen_is(sc, SYM_STRING_CONTENT))
                    continue;
                if (e - a == 4 && memcmp(src + a, "trio", 4) == 0)
                    dom = GEN_DOM_TRIO;
                else if (e - a == 7 && memcmp(src + a, "asyncio", 7) == 0)
                    dom = GEN_DOM_AIO;
            }
        }
        else if (gen_is(ch, SYM_CALL)) {
            char *fn = gen_dotted(gen_field(ch, FLD_FUNCTION), src);

            other = fn != NULL &&
                    strcmp(gen_last_part(fn), "current_async_library") == 0;
            free(fn);
        }
        else if (gen_is(ch, SYM_IDENTIFIER) || gen_is(ch, SYM_ATTRIBUTE) ||
                 gen_is(ch, SYM_SUBSCRIPT)) {
            other = 1;
        }
    }
    if (!dom || !other)
        return 0;
    return dom | (neg ? 8 : 0);
}

int
gen_dispatch_assert(TSNode cond, const char *src, TSNode *call)
{
    int t = dispatch_test(cond, src);
    uint32_t i, k;

    if (t == 0 || (t & 8))
        return 0;
    cond = gen_unparen(cond);
    k = ts_node_named_child_count(cond);
    for (i = 0; i < k; i++) {
        TSNode ch = ts_node_named_child(cond, i);

        if (gen_is(ch, SYM_CALL)) {
            char *fn = gen_dotted(gen_field(ch, FLD_FUNCTION), src);
            int ok = fn != NULL &&
                     strcmp(gen_last_part(fn), "current_async_library") == 0;

            free(fn);
            if (ok) {
                *call = ch;
                return t;
            }
        }
    }
    return 0;
}

void
gen_region_push(struct gen_regions *m, TSNode block, uint8_t region)
{
    struct gen_region r;

    if (ts_node_is_null(block))
        return;
    r.start = ts_node_start_byte(block);
    r.end = ts_node_end_byte(block);
    r.region = region;
    GEN_PUSH(m->regions, m->nregions, m->capregions, r);
}

/* A guard clause: `if library != "trio": ...; return` with no else makes
 * the rest of the enclosing block the other side of the test. */
static void
guard_region(struct gen_regions *m, TSNode ifn, TSNode cons, uint8_t rest)
{
    TSNode parent = ts_node_parent(ifn), last;
    uint32_t k;
    struct gen_region r;

    if (ts_node_is_null(cons) ||
        !ts_node_is_null(gen_field(ifn, FLD_ALTERNATIVE)))
        return;
    k = ts_node_named_child_count(cons);
    if (k == 0 || ts_node_is_null(parent) || !gen_is(parent, SYM_BLOCK))
        return;
    last = ts_node_named_child(cons, k - 1);
    if (!gen_is(last, SYM_RETURN_STATEMENT) &&
        !gen_is(last, SYM_RAISE_STATEMENT))
        return;
    r.start = ts_node_end_byte(ifn);
    r.end = ts_node_end_byte(parent);
    r.region = rest;
    if (r.start < r.end)
        GEN_PUSH(m->regions, m->nregions, m->capregions, r);
}

/* The branches of an if/elif/else chain that tests the running library
 * become regions; an `else` after such a test is the other side of it:
 * the named domain after `!=`, neither after `==` (it may be curio). */
void
gen_dispatch_if(struct gen_regions *m, TSNode n, const char *src)
{
    int t = dispatch_test(gen_field(n, FLD_CONDITION), src);
    uint8_t els = 0;
    TSTreeCursor c;

    if (t) {
        TSNode cons = gen_field(n, FLD_CONSEQUENCE);

        gen_region_push(m, cons,
                        (t & 8) ? GEN_REGION_OTHER : (uint8_t)(t & 3));
        els = (t & 8) ? (uint8_t)(t & 3) : GEN_REGION_OTHER;
        guard_region(m, n, cons, els);
    }
    c = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode ch = ts_tree_cursor_current_node(&c);

            if (ts_tree_cursor_current_field_id(&c) !=
                gen_lang.fld[FLD_ALTERNATIVE])
                continue;
            if (gen_is(ch, SYM_ELIF_CLAUSE)) {
                int t2 = dispatch_test(gen_field(ch, FLD_CONDITION), src);

                if (t2) {
                    gen_region_push(m, gen_field(ch, FLD_CONSEQUENCE),
                                    (t2 & 8) ? GEN_REGION_OTHER
                                             : (uint8_t)(t2 & 3));
                    els = (t2 & 8) ? (uint8_t)(t2 & 3) : GEN_REGION_OTHER;
                }
            }
            else if (gen_is(ch, SYM_ELSE_CLAUSE) && els) {
                gen_region_push(m, gen_field(ch, FLD_BODY), els);
            }
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
}

/* `match backend: case "trio": ...`: each case on a library literal is a
 * region of that domain, every other case is neither.  The subject must
 * be a name, a subscript or current_async_library(). */
void
gen_dispatch_match(struct gen_regions *m, TSNode n, const char *src)
{
    TSNode subj = gen_unparen(gen_field(n, FLD_SUBJECT)), body;
    uint32_t i, k;
    int any = 0;

    if (ts_node_is_null(subj))
        return;
    if (gen_is(subj, SYM_CALL)) {
        char *fn = gen_dotted(gen_field(subj, FLD_FUNCTION), src);
        int ok = fn != NULL &&
                 strcmp(gen_last_part(fn), "current_async_library") == 0;

        free(fn);
        if (!ok)
            return;
    }
    else if (!gen_is(subj, SYM_IDENTIFIER) && !gen_is(subj, SYM_ATTRIBUTE) &&
             !gen_is(subj, SYM_SUBSCRIPT)) {
        return;
    }
    body = gen_field(n, FLD_BODY);
    k = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
    for (i = 0; i < k; i++) {
        TSNode cl = ts_node_named_child(body, i), pat;
        int dom = 0;

        if (!gen_is(cl, SYM_CASE_CLAUSE) || ts_node_named_child_count(cl) < 1)
            continue;
        pat = ts_node_named_child(cl, 0);
        if (gen_is(pat, SYM_CASE_PATTERN) &&
            ts_node_named_child_count(pat) == 1 &&
            gen_is(ts_node_named_child(pat, 0), SYM_STRING))
            dom = gen_lib_literal(ts_node_named_child(pat, 0), src);
        any |= dom;
        gen_region_push(m, gen_field(cl, FLD_CONSEQUENCE),
                        dom ? (uint8_t)dom : GEN_REGION_OTHER);
    }
    if (!any) /* not a dispatch after all: drop its regions */
        while (m->nregions > 0 &&
               m->regions[m->nregions - 1].start >= ts_node_start_byte(n))
            m->nregions--;
}
