#include "report.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"

static int
prefix_match(const char *const *list, size_t n, const char *code)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strncmp(code, list[i], strlen(list[i])) == 0)
            return 1;
    return 0;
}

int
gen_report_enabled(const struct gen_report *r, const char *code)
{
    if (r->nselect && !prefix_match(r->select, r->nselect, code))
        return 0;
    return !prefix_match(r->ignore, r->nignore, code);
}

/* flake8's rule: a listed code matches codes it is a prefix of. */
static int
codes_cover(const char *codes, const char *code)
{
    const char *p = codes;

    while (*p == ',')
        p++;
    while (*p) {
        size_t n = strcspn(p, ",");

        if (n > 0 && strncmp(code, p, n) == 0)
            return 1;
        p += n;
        while (*p == ',')
            p++;
    }
    return 0;
}

static int
noqa_covers(const struct gen_file *f, uint32_t line, const char *code)
{
    size_t i;

    for (i = 0; i < f->nnoqa; i++) {
        const struct gen_noqa *q = &f->noqa[i];

        if (q->line != line)
            continue;
        if (q->codes == NULL || codes_cover(q->codes, code))
            return 1;
    }
    return 0;
}

void
gen_report_add(struct gen_report *r, const struct gen_file *f, uint32_t line,
               uint32_t col, const char *code, const char *fmt, ...)
{
    struct gen_diag d;
    struct gen_buf b = {0};
    va_list ap;

    if (!gen_report_enabled(r, code))
        return;
    if (noqa_covers(f, line, code)) {
        r->suppressed++;
        return;
    }
    va_start(ap, fmt);
    gen_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    d.path = f->path;
    d.line = line;
    d.col = col;
    snprintf(d.code, sizeof(d.code), "%s", code);
    d.msg = b.data;
    GEN_PUSH(r->diags, r->n, r->cap, d);
}

static int
cmp_diag(const void *pa, const void *pb)
{
    const struct gen_diag *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);

    if (c != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    c = strcmp(a->code, b->code);
    return c != 0 ? c : strcmp(a->msg, b->msg);
}

void
gen_json_escape(struct gen_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};

            gen_buf_append(b, e, 2);
        }
        else if (c == '\n') {
            gen_buf_puts(b, "\\n");
        }
        else if (c == '\t') {
            gen_buf_puts(b, "\\t");
        }
        else if (c < 0x20) {
            gen_buf_printf(b, "\\u%04x", c);
        }
        else {
            gen_buf_append(b, (const char *)&c, 1);
        }
    }
}

/* GitHub workflow commands need %, \r, \n escaped, and in properties also
 * : and , (see "Workflow commands for GitHub Actions"). */
static void
gh_escape(struct gen_buf *b, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%')
            gen_buf_puts(b, "%25");
        else if (*s == '\r')
            gen_buf_puts(b, "%0D");
        else if (*s == '\n')
            gen_buf_puts(b, "%0A");
        else if (property && *s == ':')
            gen_buf_puts(b, "%3A");
        else if (property && *s == ',')
            gen_buf_puts(b, "%2C");
        else
            gen_buf_append(b, s, 1);
    }
}

static void
print_json(const struct gen_report *r, struct gen_buf *b)
{
    size_t i;

    gen_buf_puts(b, "[");
    for (i = 0; i < r->n; i++) {
        const struct gen_diag *d = &r->diags[i];

        gen_buf_puts(b, i ? ",\n  {" : "\n  {");
        gen_buf_printf(b, "\"code\": \"%s\", \"message\": \"", d->code);
        gen_json_escape(b, d->msg);
        gen_buf_puts(b, "\", \"filename\": \"");
        gen_json_escape(b, d->path);
        gen_buf_printf(b, "\", \"location\": {\"row\": %u, \"column\": %u}}",
                       d->line, d->col);
    }
    gen_buf_puts(b, r->n ? "\n]\n" : "]\n");
}

/* A path as a URI reference (RFC 3986): bytes other than unreserved ones
 * and '/' percent-encoded, so that a space, '%' or '#' in a file name
 * does not end or change the URI. */
static void
uri_escape(struct gen_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (isalnum(c) || strchr("-._~/", c))
            gen_buf_append(b, s, 1);
        else
            gen_buf_printf(b, "%%%02X", c);
    }
}

static void
print_sarif(const struct gen_report *r, struct gen_buf *b)
{
    size_t i;

    gen_buf_puts(b, "{\n  \"$schema\": \"https://json.schemastore.org/"
                    "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
                    "  \"runs\": [{\n    \"tool\": {\"driver\": {\n"
                    "      \"name\": \"trioaio-gen\",\n"
                    "      \"informationUri\": \"docs/generator-rules.md\",\n"
                    "      \"rules\": [");
    for (i = 0; i < gen_nrules; i++) {
        gen_buf_printf(b,
                       "%s\n        {\"id\": \"%s\", \"name\": \"%s\", "
                       "\"shortDescription\": {\"text\": \"",
                       i ? "," : "", gen_rules[i].code, gen_rules[i].name);
        gen_json_escape(b, gen_rules[i].summary);
        gen_buf_puts(b, "\"}}");
    }
    gen_buf_puts(b, "\n      ]\n    }},\n    \"results\": [");
    for (i = 0; i < r->n; i++) {
        const struct gen_diag *d = &r->diags[i];

        gen_buf_printf(b,
                       "%s\n      {\"ruleId\": \"%s\", \"level\": "
                       "\"error\", \"message\": {\"text\": \"",
                       i ? "," : "", d->code);
        gen_json_escape(b, d->msg);
        gen_buf_puts(b, "\"}, \"locations\": [{\"physicalLocation\": "
                        "{\"artifactLocation\": {\"uri\": \"");
        uri_escape(b, d->path);
        gen_buf_printf(b,
                       "\"}, \"region\": {\"startLine\": %u, "
                       "\"startColumn\": %u}}}]}",
                       d->line, d->col);
    }
    gen_buf_puts(b, r->n ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
}

void
gen_report_print(struct gen_report *r, enum gen_format fmt, int statistics,
                 FILE *out)
{
    struct gen_buf b = {0};
    size_t i, j;

    if (r->n > 1)
        qsort(r->diags, r->n, sizeof(*r->diags), cmp_diag);
    switch (fmt) {
    case GEN_FMT_TEXT:
        for (i = 0; i < r->n; i++)
            gen_buf_printf(&b, "%s:%u:%u: %s %s\n", r->diags[i].path,
                           r->diags[i].line, r->diags[i].col, r->diags[i].code,
                           r->diags[i].msg);
        break;
    case GEN_FMT_JSON:
        print_json(r, &b);
        break;
    case GEN_FMT_SARIF:
        print_sarif(r, &b);
        break;
    case GEN_FMT_GITHUB:
        for (i = 0; i < r->n; i++) {
            const struct gen_diag *d = &r->diags[i];

            gen_buf_puts(&b, "::error title=trioaio-gen (");
            gh_escape(&b, d->code, 1);
            gen_buf_puts(&b, "),file=");
            gh_escape(&b, d->path, 1);
            gen_buf_printf(&b, ",line=%u,col=%u::%s ", d->line, d->col,
                           d->code);
            gh_escape(&b, d->msg, 0);
            gen_buf_puts(&b, "\n");
        }
        break;
    }
    if (b.len)
        fwrite(b.data, 1, b.len, out);
    gen_buf_free(&b);
    if (!statistics)
        return;
    for (i = 0; i < gen_nrules; i++) {
        size_t count = 0;

        for (j = 0; j < r->n; j++)
            if (strcmp(r->diags[j].code, gen_rules[i].code) == 0)
                count++;
        if (count)
            fprintf(fmt == GEN_FMT_TEXT ? out : stderr, "%6zu  %s  %s\n",
                    count, gen_rules[i].code, gen_rules[i].summary);
    }
}

int
gen_format_parse(const char *s)
{
    if (strcmp(s, "text") == 0 || strcmp(s, "concise") == 0)
        return GEN_FMT_TEXT;
    if (strcmp(s, "json") == 0)
        return GEN_FMT_JSON;
    if (strcmp(s, "sarif") == 0)
        return GEN_FMT_SARIF;
    if (strcmp(s, "github") == 0)
        return GEN_FMT_GITHUB;
    return -1;
}

void
gen_report_free(struct gen_report *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->diags[i].msg);
    free(r->diags);
    r->diags = NULL;
    r->n = r->cap = 0;
}
