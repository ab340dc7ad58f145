/* Configuration where linters keep it: `[tool.trioaio-gen]` in the
 * nearest pyproject.toml above the checked paths (found by walking up, as
 * ruff does), and pytest's own configuration (pytest-trio's `trio_mode`,
 * pytest-asyncio's `asyncio_mode = auto`), which says how test functions
 * are run.  Only the small part of TOML and INI these need is read. */
#ifndef GEN_CONFIG_H
#define GEN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* A module or package prefix and the domain it is (enum gen_domain;
 * GEN_DOM_NONE: neutral). */
struct gen_modrule {
    char *module;
    uint8_t dom;
};

struct gen_config {
    char *path; /* the pyproject.toml read, or NULL */
    char **select, **ignore, **exclude;
    size_t nselect, nignore, nexclude;
    char *cache_dir; /* cache-dir as written (relative to path's dir) */
    /* asyncio-modules, trio-modules, neutral-modules: libraries. */
    struct gen_modrule *libs;
    size_t nlibs;
    /* [tool.trioaio-gen.domains]: default domains of project modules. */
    struct gen_modrule *defaults;
    size_t ndefaults;
    /* pytest configuration per directory: dir -> struct gen_pytest_cfg *,
     * owned by pytest_cfgs. */
    struct gen_map pytest_dirs;
    struct gen_map unreadable; /* pytest files already warned about */
    struct gen_pytest_cfg **pytest_cfgs;
    size_t npytest_cfgs, cappytest_cfgs;
};

struct gen_pytest_cfg {
    int mode;    /* enum gen_domain */
    char *where; /* the file that says so, or NULL */
};

/* Find and read `[tool.trioaio-gen]` from the nearest pyproject.toml at or
 * above `start` (a file or directory) that has the section.  Returns 0
 * (also when there is none), or -1 after printing an error that names the
 * file, the line and the key: the caller exits with status 2. */
int
gen_config_load(struct gen_config *c, const char *start);

/* The entry of `rules` that is the longest dotted prefix of `name`, or
 * NULL. */
const struct gen_modrule *
gen_config_match(const struct gen_modrule *rules, size_t n, const char *name);

/* How pytest runs the async tests of files in directory `dir`, from the
 * nearest pytest.ini, pyproject.toml ([tool.pytest.ini_options]), tox.ini
 * or setup.cfg ([tool:pytest]) above it: GEN_DOM_TRIO for pytest-trio's
 * `trio_mode = true`, GEN_DOM_AIO for `asyncio_mode = auto`, else
 * GEN_DOM_NONE.  Cached per directory; *where is set to the file. */
int
gen_config_pytest_mode(struct gen_config *c, const char *dir,
                       const char **where);

void
gen_config_free(struct gen_config *c);

#endif /* GEN_CONFIG_H */
