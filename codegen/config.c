#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scan.h"

/* How far up the directory tree configuration is looked for. */
#define MAX_UP 64

static const char *const known_keys[] = {
    "select",       "ignore",          "exclude",   "asyncio-modules",
    "trio-modules", "neutral-modules", "cache-dir",
};

/* The directory part of path (a file) or path itself (a directory),
 * absolute, newly allocated. */
static char *
abs_dir(const char *start)
{
    char *r = gen_realpath(start), *slash;

    if (r == NULL)
        return NULL;
    if (gen_is_file(r)) {
        slash = strrchr(r, '/');
        if (slash == r)
            slash[1] = '\0';
        else if (slash != NULL)
            *slash = '\0';
    }
    return r;
}

/* Up one directory in place; 0 at the root. */
static int
up(char *dir)
{
    char *slash = strrchr(dir, '/');

    if (slash == NULL || (slash == dir && dir[1] == '\0'))
        return 0;
    if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return 1;
}

static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* The table a `[header]` line opens, or NULL if the line is not one. */
static char *
header(char *line)
{
    char *s = trim(line), *e;

    if (s[0] != '[' || s[1] == '[')
        return NULL;
    e = strchr(s, ']');
    if (e == NULL)
        return NULL;
    *e = '\0';
    return trim(s + 1);
}

/* Strip a comment that is not inside a string. */
static void
uncomment(char *s)
{
    char q = 0;

    for (; *s; s++) {
        if (q) {
            if (*s == q)
                q = 0;
        }
        else if (*s == '"' || *s == '\'') {
            q = *s;
        }
        else if (*s == '#') {
            *s = '\0';
            return;
        }
    }
}

struct reader {
    const char *path;
    char *text, *p;
    unsigned line;
};

static char *
next_line(struct reader *r)
{
    char *s = r->p, *nl;

    if (s == NULL || *s == '\0')
        return NULL;
    nl = strchr(s, '\n');
    if (nl != NULL) {
        *nl = '\0';
        r->p = nl + 1;
    }
    else {
        r->p = s + strlen(s);
    }
    r->line++;
    return s;
}

static int
cfg_error(const struct reader *r, const char *fmt, const char *key)
{
    struct gen_buf b = {0};

    gen_buf_printf(&b, fmt, key);
    gen_warn("%s:%u: %s", r->path, r->line, b.data);
    gen_buf_free(&b);
    return -1;
}

/* A TOML string value "..." or '...' at *s; advances *s. */
static char *
string_at(char **s)
{
    char q = **s, *e;

    if (q != '"' && q != '\'')
        return NULL;
    e = strchr(*s + 1, q);
    if (e == NULL)
        return NULL;
    *e = '\0';
    e++;
    {
        char *v = gen_xstrdup(*s + 1);

        *s = e;
        return v;
    }
}

/* An array of strings, possibly over several lines. */
static int
read_list(struct reader *r, char *v, const char *key, char ***out, size_t *n)
{
    size_t cap = 0;

    v = trim(v);
    if (*v != '[')
        return cfg_error(r, "`%s` needs a list of strings, e.g. [\"TA001\"]",
                         key);
    v++;
    for (;;) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        if (*v == ']')
            return 0;
        if (*v == '\0') {
            v = next_line(r);
            if (v == NULL)
                return cfg_error(r, "`%s`: the list is not closed", key);
            uncomment(v);
            v = trim(v);
            continue;
        }
        {
            char *s = string_at(&v);

            if (s == NULL)
                return cfg_error(r, "`%s` needs a list of strings", key);
            gen_grow((void **)out, &cap, *n + 1, sizeof(**out));
            (*out)[(*n)++] = s;
        }
    }
}

static int
add_mods(struct gen_config *c, char **mods, size_t n, int dom)
{
    size_t i, cap = c->nlibs;

    for (i = 0; i < n; i++) {
        struct gen_modrule m = {mods[i], (uint8_t)dom};

        gen_grow((void **)&c->libs, &cap, c->nlibs + 1, sizeof(*c->libs));
        c->libs[c->nlibs++] = m;
    }
    free(mods);
    return 0;
}

static int
is_codes(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *s = v[i];

        if (strncmp(s, "TA", 2) != 0)
            return 0;
        for (s += 2; *s; s++)
            if (!isdigit((unsigned char)*s))
                return 0;
    }
    return 1;
}

static int
main_key(struct gen_config *c, struct reader *r, char *key, char *val)
{
    char **list = NULL;
    size_t n = 0, i;

    for (i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
        if (strcmp(key, known_keys[i]) == 0)
            break;
    if (i == sizeof(known_keys) / sizeof(known_keys[0]))
        return cfg_error(r,
                         "unknown key `%s` in [tool.trioaio-gen]; the keys "
                         "are select, ignore, exclude, asyncio-modules, "
                         "trio-modules, neutral-modules, cache-dir and the "
                         "table "
                         "[tool.trioaio-gen.domains]",
                         key);
    if (strcmp(key, "cache-dir") == 0) {
        char *v = trim(val), *dir = string_at(&v), *rest;

        rest = dir != NULL ? trim(v) : NULL;
        if (dir == NULL || (*rest != '\0' && *rest != '#') || dir[0] == '\0') {
            free(dir);
            return cfg_error(r, "`%s` needs a directory as a string", key);
        }
        free(c->cache_dir);
        c->cache_dir = dir;
        return 0;
    }
    if (read_list(r, val, key, &list, &n) < 0) {
        for (i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return -1;
    }
    if ((strcmp(key, "select") == 0 || strcmp(key, "ignore") == 0) &&
        !is_codes(list, n)) {
        for (i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return cfg_error(r,
                         "`%s` lists rule codes such as \"TA001\" or "
                         "\"TA0\"",
                         key);
    }
    if (strcmp(key, "select") == 0) {
        c->select = list;
        c->nselect = n;
    }
    else if (strcmp(key, "ignore") == 0) {
        c->ignore = list;
        c->nignore = n;
    }
    else if (strcmp(key, "exclude") == 0) {
        c->exclude = list;
        c->nexclude = n;
    }
    else {
        return add_mods(c, list, n,
                        key[0] == 'a'   ? GEN_DOM_AIO
                        : key[0] == 't' ? GEN_DOM_TRIO
                                        : GEN_DOM_NONE);
    }
    return 0;
}

static int
domain_key(struct gen_config *c, struct reader *r, char *key, char *val)
{
    char *s = trim(val), *v;
    struct gen_modrule m;
    size_t cap = c->ndefaults;
    int dom;

    if (key[0] == '"' || key[0] == '\'') {
        char *k = key;

        key = string_at(&k);
        if (key == NULL)
            return cfg_error(r,
                             "bad module name in [tool.trioaio-gen.domains]"
                             "%s",
                             "");
    }
    else {
        key = gen_xstrdup(key);
    }
    v = string_at(&s);
    dom = v == NULL                   ? -1
          : strcmp(v, "asyncio") == 0 ? GEN_DOM_AIO
          : strcmp(v, "trio") == 0    ? GEN_DOM_TRIO
                                      : -1;
    free(v);
    if (dom < 0) {
        cfg_error(r,
                  "[tool.trioaio-gen.domains] `%s` must be \"asyncio\" or "
                  "\"trio\"",
                  key);
        free(key);
        return -1;
    }
    m.module = key;
    m.dom = (uint8_t)dom;
    gen_grow((void **)&c->defaults, &cap, c->ndefaults + 1,
             sizeof(*c->defaults));
    c->defaults[c->ndefaults++] = m;
    return 0;
}

/* Read the sections of one pyproject.toml; 1 if it has ours. */
static int
parse(struct gen_config *c, const char *path, char *text)
{
    struct reader r = {path, text, text, 0};
    char *line;
    int where = 0, found = 0; /* 1: main table, 2: domains, 0: other */

    while ((line = next_line(&r)) != NULL) {
        char *h, *eq, *key;

        uncomment(line);
        /* Our table's header, mistyped: its keys would go unread. */
        if ((h = header(line)) == NULL && *trim(line) == '[' &&
            strstr(line, "tool.trioaio-gen") != NULL)
            return cfg_error(&r,
                             "a table header without its closing `]`: "
                             "%s",
                             trim(line));
        if (h != NULL) {
            if (strcmp(h, "tool.trioaio-gen") == 0)
                where = 1;
            else if (strcmp(h, "tool.trioaio-gen.domains") == 0)
                where = 2;
            else if (strncmp(h, "tool.trioaio-gen.", 17) == 0)
                return cfg_error(&r,
                                 "unknown table [%s]; the tables are "
                                 "[tool.trioaio-gen] and "
                                 "[tool.trioaio-gen.domains]",
                                 h);
            else
                where = 0;
            found |= where != 0;
            continue;
        }
        if (where == 0 || *trim(line) == '\0')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL)
            return cfg_error(&r, "expected `key = value`%s", "");
        *eq = '\0';
        key = trim(line);
        if ((where == 1 ? main_key(c, &r, key, eq + 1)
                        : domain_key(c, &r, key, eq + 1)) < 0)
            return -1;
    }
    return found;
}

int
gen_config_load(struct gen_config *c, const char *start)
{
    char *dir = abs_dir(start);
    int steps;

    if (dir == NULL)
        return 0; /* the walk reports a missing path */
    for (steps = 0; steps < MAX_UP; steps++) {
        char *path = gen_xasprintf("%s/pyproject.toml", dir);
        size_t len;
        char *text = NULL;

        if (gen_is_file(path) && (text = gen_read_file(path, &len)) == NULL) {
            gen_warn("%s: %s; cannot read the configuration", path,
                     gen_strerror(errno));
            free(path);
            free(dir);
            return -1;
        }
        if (text != NULL && strstr(text, "tool.trioaio-gen") != NULL) {
            int rc = parse(c, path, text);

            free(text);
            if (rc < 0) {
                free(path);
                free(dir);
                return -1;
            }
            if (rc > 0) {
                c->path = path;
                break;
            }
        }
        free(text);
        free(path);
        if (!up(dir))
            break;
    }
    free(dir);
    return 0;
}

const struct gen_modrule *
gen_config_match(const struct gen_modrule *rules, size_t n, const char *name)
{
    const struct gen_modrule *best = NULL;
    size_t i, bestn = 0;

    for (i = 0; i < n; i++) {
        size_t k = strlen(rules[i].module);

        if (k >= bestn && strncmp(name, rules[i].module, k) == 0 &&
            (name[k] == '\0' || name[k] == '.')) {
            best = &rules[i];
            bestn = k;
        }
    }
    return best;
}

/* The pytest mode an INI-style file sets in `section`, or -1 if the file
 * does not have the section. */
static int
ini_mode(struct gen_config *c, const char *path, const char *section)
{
    size_t len;
    char *text = gen_read_file(path, &len);
    struct reader r = {path, text, text, 0};
    char *line;
    int in = 0, seen = 0, mode = GEN_DOM_NONE;

    if (text == NULL) {
        /* Said once: pytest would refuse to start, the check goes on as
         * if the file were not there. */
        if (!gen_map_get(&c->unreadable, path)) {
            gen_warn("%s: %s; its trio_mode/asyncio_mode is not known", path,
                     gen_strerror(errno));
            gen_map_put(&c->unreadable, path, (void *)1);
        }
        return -1;
    }
    while ((line = next_line(&r)) != NULL) {
        char *h, *eq, *k, *v;

        uncomment(line);
        if ((h = header(line)) != NULL) {
            in = strcmp(h, section) == 0;
            seen |= in;
            continue;
        }
        if (!in || (eq = strchr(line, '=')) == NULL)
            continue;
        *eq = '\0';
        k = trim(line);
        v = trim(eq + 1);
        if (*v == '"' || *v == '\'') {
            v++;
            v[strcspn(v, "\"'")] = '\0';
        }
        if (strcmp(k, "trio_mode") == 0 &&
            (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
             strcasecmp(v, "yes") == 0))
            mode = GEN_DOM_TRIO;
        else if (strcmp(k, "asyncio_mode") == 0 && strcmp(v, "auto") == 0 &&
                 mode == GEN_DOM_NONE)
            mode = GEN_DOM_AIO;
    }
    free(text);
    return seen ? mode : -1;
}

int
gen_config_pytest_mode(struct gen_config *c, const char *dir,
                       const char **where)
{
    static const char *const files[][2] = {
        {"pytest.ini", "pytest"},
        {"pyproject.toml", "tool.pytest.ini_options"},
        {"tox.ini", "pytest"},
        {"setup.cfg", "tool:pytest"},
    };
    struct gen_pytest_cfg *pc = gen_map_get(&c->pytest_dirs, dir);
    char *d;
    int steps;

    /* Cached by the directory as the walk spells it: most files share a
     * directory, and realpath() is a system call per component. */
    if (pc != NULL) {
        *where = pc->where;
        return pc->mode;
    }
    *where = NULL;
    d = abs_dir(dir);
    if (d == NULL)
        return GEN_DOM_NONE;
    {
        pc = gen_xcalloc(1, sizeof(*pc));
        gen_map_put(&c->pytest_dirs, dir, pc);
        GEN_PUSH(c->pytest_cfgs, c->npytest_cfgs, c->cappytest_cfgs, pc);
        /* The first directory up that has one of pytest's files with its
         * section is pytest's rootdir configuration. */
        for (steps = 0; steps < MAX_UP && pc->where == NULL; steps++) {
            size_t i;

            for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *path = gen_xasprintf("%s/%s", d, files[i][0]);
                int m =
                    gen_is_file(path) ? ini_mode(c, path, files[i][1]) : -1;

                if (m >= 0) {
                    pc->mode = m;
                    pc->where = path;
                    break;
                }
                free(path);
            }
            if (!up(d))
                break;
        }
    }
    free(d);
    *where = pc->where;
    return pc->mode;
}

static void
free_list(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void
gen_config_free(struct gen_config *c)
{
    size_t i;

    free(c->path);
    free(c->cache_dir);
    free_list(c->select, c->nselect);
    free_list(c->ignore, c->nignore);
    free_list(c->exclude, c->nexclude);
    for (i = 0; i < c->nlibs; i++)
        free(c->libs[i].module);
    free(c->libs);
    for (i = 0; i < c->ndefaults; i++)
        free(c->defaults[i].module);
    free(c->defaults);
    for (i = 0; i < c->npytest_cfgs; i++) {
        free(c->pytest_cfgs[i]->where);
        free(c->pytest_cfgs[i]);
    }
    free(c->pytest_cfgs);
    gen_map_free(&c->pytest_dirs);
    gen_map_free(&c->unreadable);
    memset(c, 0, sizeof(*c));
}
