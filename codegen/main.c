/* trioaio-gen: check asyncio/Trio boundaries and generate adapters.
 *
 * main() only parses options and dispatches through the subcommand table;
 * the work lives in scan.c, model.c, index.c, check.c and gen.c. */
#include "main.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "config.h"
#include "explain.h"
#include "gen.h"
#include "index.h"
#include "project.h"
#include "lang.h"
#include "libs.h"
#include "load.h"
#include "report.h"
#include "rules.h"
#include "runs.h"
#include "scan.h"
#include "util.h"

#define GEN_VERSION "0.1.0"

/* A run that is about to exit leaves its project to the operating system:
 * freeing tens of thousands of small allocations one by one was a tenth
 * of a warm run.  Sanitizer builds free everything, so that a leak still
 * shows. */
#if defined(__SANITIZE_ADDRESS__)
#define GEN_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GEN_FREE_AT_EXIT 1
#endif
#endif
#ifndef GEN_FREE_AT_EXIT
#define GEN_FREE_AT_EXIT 0
#endif

/* The configuration file's settings; read by load(), freed by main(). */
static struct gen_config config;

struct opts {
    const char **select, **ignore, **exclude;
    size_t nselect, nignore, nexclude, capsel, capign, capexc;
    int format, exit_zero, statistics, jobs, check, diff, quiet;
    int no_cache, verbose, use_cache; /* use_cache: the command reads it */
    int parse_all;
    const char *cache_dir;
    int line_length; /* 0: the project's black setting, else 88 */
    const char *out, *runtime;
    char **owned; /* copies split_list() cut up */
    size_t nowned, capowned;
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: trioaio-gen check [options] [PATH...]\n"
            "       trioaio-gen gen [options] -o OUT [PATH...]\n"
            "       trioaio-gen explain [options] FILE[:FUNCTION]\n"
            "       trioaio-gen rules | libraries | version\n"
            "\n"
            "check options:\n"
            "  --select=CODES       only these codes (prefixes, comma list)\n"
            "  --ignore=CODES       not these codes\n"
            "  --output-format=FMT  text (default), json, sarif, github\n"
            "  --exit-zero          exit 0 even if there are findings\n"
            "  --statistics         print a count per code\n"
            "  --parse-all          also parse the files with no async code\n"
            "                       (skipped by default: nothing in them to\n"
            "                       check), so that TA900 covers them too\n"
            "gen options:\n"
            "  -o, --output=DIR     where adapter modules are written\n"
            "  --check              exit 1 if any adapter would change\n"
            "  --diff               print a unified diff, write nothing\n"
            "  --runtime=MODULE     module providing the shims: auto (the\n"
            "                       one the source imports), trioaio or\n"
            "                       trio_asyncio\n"
            "  --line-length=N      wrap at N (default: [tool.black] of the\n"
            "                       pyproject.toml above OUT, else 88)\n"
            "check and explain options:\n"
            "  --no-cache           neither read nor write the cache\n"
            "  --cache-dir=DIR      the cache's directory (default:\n"
            "                       cache-dir of [tool.trioaio-gen], else\n"
            "                       .trioaio-gen-cache beside that\n"
            "                       pyproject.toml, else in the current\n"
            "                       directory)\n"
            "  -v, --verbose        say how many files the cache served\n"
            "common options:\n"
            "  --exclude=GLOB       skip matching files and directories\n"
            "  -j, --jobs=N         parser threads (default: all cores)\n"
            "\n"
            "Exit status: 0 clean, 1 findings, 2 usage or I/O error.\n");
}

static void
split_list(struct opts *o, const char *arg, const char ***list, size_t *n,
           size_t *cap)
{
    char *copy = gen_xstrdup(arg), *tok, *save = NULL;

    GEN_PUSH(o->owned, o->nowned, o->capowned, copy);
    for (tok = strtok_r(copy, ", ", &save); tok != NULL;
         tok = strtok_r(NULL, ", ", &save))
        GEN_PUSH(*list, *n, *cap, (const char *)tok);
}

static void
opts_free(struct opts *o)
{
    size_t i;

    for (i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    free(o->owned);
    free(o->select);
    free(o->ignore);
    free(o->exclude);
}

enum {
    OPT_SELECT = 256,
    OPT_IGNORE,
    OPT_FORMAT,
    OPT_EXIT_ZERO,
    OPT_STATS,
    OPT_EXCLUDE,
    OPT_CHECK,
    OPT_DIFF,
    OPT_RUNTIME,
    OPT_LINE_LENGTH,
    OPT_NO_CACHE,
    OPT_CACHE_DIR,
    OPT_PARSE_ALL,
};

static const struct option long_opts[] = {
    {"select", required_argument, NULL, OPT_SELECT},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"output-format", required_argument, NULL, OPT_FORMAT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"exit-zero", no_argument, NULL, OPT_EXIT_ZERO},
    {"statistics", no_argument, NULL, OPT_STATS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"check", no_argument, NULL, OPT_CHECK},
    {"diff", no_argument, NULL, OPT_DIFF},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"line-length", required_argument, NULL, OPT_LINE_LENGTH},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"parse-all", no_argument, NULL, OPT_PARSE_ALL},
    {"verbose", no_argument, NULL, 'v'},
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
    int c;

    memset(o, 0, sizeof(*o));
    o->runtime = "auto";
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:qvh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_SELECT:
            split_list(o, optarg, &o->select, &o->nselect, &o->capsel);
            break;
        case OPT_IGNORE:
            split_list(o, optarg, &o->ignore, &o->nignore, &o->capign);
            break;
        case OPT_EXCLUDE:
            split_list(o, optarg, &o->exclude, &o->nexclude, &o->capexc);
            break;
        case OPT_FORMAT:
            o->format = gen_format_parse(optarg);
            if (o->format < 0) {
                gen_warn("unknown output format '%s'", optarg);
                return -1;
            }
            break;
        case OPT_EXIT_ZERO:
            o->exit_zero = 1;
            break;
        case OPT_STATS:
            o->statistics = 1;
            break;
        case OPT_CHECK:
            o->check = 1;
            break;
        case OPT_DIFF:
            o->diff = 1;
            break;
        case OPT_RUNTIME:
            o->runtime = optarg;
            break;
        case OPT_LINE_LENGTH:
            o->line_length = atoi(optarg);
            if (o->line_length < 40 || o->line_length > 1000) {
                gen_warn("--line-length needs a number from 40 to 1000");
                return -1;
            }
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'j':
            o->jobs = atoi(optarg);
            if (o->jobs < 1) {
                gen_warn("--jobs needs a positive number");
                return -1;
            }
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case OPT_NO_CACHE:
            o->no_cache = 1;
            break;
        case OPT_PARSE_ALL:
            o->parse_all = 1;
            break;
        case OPT_CACHE_DIR:
            if (optarg[0] == '\0') {
                gen_warn("--cache-dir needs a directory");
                return -1;
            }
            o->cache_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(GEN_EXIT_CLEAN);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (o->jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        o->jobs = n > 0 ? (int)n : 1;
    }
    return 0;
}

/* Where the cache lives: --cache-dir, else cache-dir of the configuration
 * (relative to its pyproject.toml), else beside that file, else in the
 * current directory, as ruff keeps .ruff_cache. */
static char *
cache_root(const struct opts *o)
{
    const char *slash = config.path ? strrchr(config.path, '/') : NULL;
    char *dir = slash
                    ? gen_xstrndup(config.path, (size_t)(slash - config.path))
                    : gen_xstrdup(".");
    char *r;

    if (o->cache_dir != NULL)
        r = gen_xstrdup(o->cache_dir);
    else if (config.cache_dir != NULL && config.cache_dir[0] == '/')
        r = gen_xstrdup(config.cache_dir);
    else
        r = gen_xasprintf("%s/%s", dir,
                          config.cache_dir ? config.cache_dir
                                           : GEN_CACHE_DEFAULT_DIR);
    free(dir);
    return r;
}

/* With --verbose: what the cache did, on stderr. */
static void
cache_done(const struct opts *o, struct gen_project *p, size_t *nfiles)
{
    size_t hits, unread, misses;
    int written;
    const char *path;

    if (p->cache == NULL)
        return;
    gen_cache_save(p->cache);
    gen_cache_stats(p->cache, &hits, &unread, &misses, &written, &path);
    if (nfiles != NULL)
        *nfiles = hits + misses;
    if (o->verbose)
        fprintf(stderr,
                "trioaio-gen: cache %s: %zu files from the cache (%zu "
                "unread), %zu parsed%s\n",
                path, hits, unread, misses, written ? ", written" : "");
    gen_cache_close(p->cache);
    p->cache = NULL;
}

/* Read the configuration and scan the paths left in argv (default "."). */
static int
prepare(int argc, char **argv, struct opts *o, struct gen_scan *s,
        struct gen_project *p)
{
    int i, rc = 0;
    size_t k;

    /* [tool.trioaio-gen] from the nearest pyproject.toml above the first
     * path; a flag given on the command line replaces the file's value. */
    if (gen_config_load(&config, optind < argc ? argv[optind] : ".") < 0)
        exit(GEN_EXIT_ERROR);
    if (o->nselect == 0)
        for (k = 0; k < config.nselect; k++)
            GEN_PUSH(o->select, o->nselect, o->capsel,
                     (const char *)config.select[k]);
    if (o->nignore == 0)
        for (k = 0; k < config.nignore; k++)
            GEN_PUSH(o->ignore, o->nignore, o->capign,
                     (const char *)config.ignore[k]);
    if (o->nexclude == 0)
        for (k = 0; k < config.nexclude; k++)
            GEN_PUSH(o->exclude, o->nexclude, o->capexc,
                     (const char *)config.exclude[k]);
    p->config = &config;
    s->excludes = o->exclude;
    s->nexcludes = o->nexclude;
    if (optind >= argc)
        rc |= gen_scan_path(s, ".");
    for (i = optind; i < argc; i++)
        rc |= gen_scan_path(s, argv[i]);
    p->scan = s;
    return rc;
}

/* Model the files the scan found, and what they import, into p. */
static void
load_files(struct opts *o, struct gen_scan *s, struct gen_project *p)
{
    if (o->use_cache && !o->no_cache) {
        char *root = cache_root(o);

        p->cache = gen_cache_open(root);
        free(root);
    }
    p->threads = o->jobs;
    /* check knows both runtimes' shims; "auto" is gen's choice per file. */
    p->runtime = strcmp(o->runtime, "auto") == 0 ? "trioaio" : o->runtime;
    gen_lang_init();
    gen_project_load(p, s->paths, s->npaths, 1);
}

/* Scan the paths left in argv (default ".") and load them into p. */
static int
load(int argc, char **argv, struct opts *o, struct gen_scan *s,
     struct gen_project *p)
{
    int rc = prepare(argc, argv, o, s, p);

    load_files(o, s, p);
    return rc;
}

/* What a check run starts from, besides the file system: its arguments,
 * its working directory (paths are shown relative to it) and the files
 * its walk found, in order. */
static struct gen_digest
run_key(int argc, char **argv, const struct gen_scan *s)
{
    struct gen_buf b = {0};
    char *cwd = getcwd(NULL, 0);
    struct gen_digest d;
    size_t i;
    int k;

    gen_buf_puts(&b, "trioaio-gen check\n");
    gen_buf_puts(&b, cwd ? cwd : "?");
    free(cwd);
    for (k = 1; k < argc; k++) {
        gen_buf_append(&b, "", 1);
        gen_buf_puts(&b, argv[k]);
    }
    gen_buf_append(&b, "\n", 2);
    for (i = 0; i < s->npaths; i++) {
        gen_buf_puts(&b, s->paths[i]);
        gen_buf_append(&b, "", 1);
    }
    d = gen_digest(b.data, b.len);
    gen_buf_free(&b);
    return d;
}

/* With a cache, print the output of an identical earlier run if the file
 * system still answers its questions the same (runs.h).  Returns 1 and
 * sets *status if it did; sets *runs to the records' directory. */
static int
replayed(const struct opts *o, struct gen_digest key, char **runs, int *status)
{
    char *root, *facts;
    size_t nfiles = 0;

    root = cache_root(o);
    *runs = gen_runs_dir(root);
    if (!gen_runs_replay(*runs, key, stdout, status, &nfiles)) {
        free(root);
        return 0;
    }
    if (o->verbose) {
        facts = gen_cache_dir(root);
        fprintf(stderr,
                "trioaio-gen: cache %s/pack: %zu files from the cache (%zu "
                "unread), 0 parsed; the findings of an identical run\n",
                facts, nfiles, nfiles);
        free(facts);
    }
    free(root);
    return 1;
}

static int
cmd_check(int argc, char **argv)
{
    struct opts o;
    struct gen_scan s = {0};
    struct gen_project p = {0};
    struct gen_report r = {0};
    struct gen_digest key = {0, 0};
    char *runs = NULL, *out = NULL;
    size_t outlen = 0, nfiles = 0;
    time_t started = time(NULL);
    FILE *mem;
    int rc, status, record;
    size_t ioerr;

    if (parse_opts(argc, argv, &o) < 0)
        return GEN_EXIT_ERROR;
    o.use_cache = 1;
    record = !o.no_cache;
    if (record)
        gen_fslog_start();
    rc = prepare(argc, argv, &o, &s, &p);
    /* A run that warned (a path refused, a configuration file unread)
     * warns again: its output is never replayed or kept. */
    if (record && (rc != 0 || gen_warnings() != 0)) {
        size_t nprobes;
        struct gen_probe *probes = gen_fslog_take(&nprobes);

        gen_probes_free(probes, nprobes);
        record = 0;
    }
    if (record) {
        key = run_key(argc, argv, &s);
        if (replayed(&o, key, &runs, &status)) {
            size_t nprobes;
            struct gen_probe *probes = gen_fslog_take(&nprobes);

            /* (Two statements: the order of a call's arguments is
             * unspecified, and nprobes is set by the call.) */
            gen_probes_free(probes, nprobes);
            fflush(stdout);
            goto done;
        }
    }
    p.lazy = !o.parse_all;
    load_files(&o, &s, &p);
    gen_project_analyse(&p);
    if (o.verbose && p.lazy) {
        size_t i, n = 0;

        for (i = 0; i < p.nfiles; i++)
            n += p.files[i]->dormant;
        fprintf(stderr,
                "trioaio-gen: %zu of %zu files not parsed (no async code, "
                "nothing they define needed)\n",
                n, p.nfiles);
    }
    cache_done(&o, &p, &nfiles);
    r.select = o.select;
    r.nselect = o.nselect;
    r.ignore = o.ignore;
    r.nignore = o.nignore;
    ioerr = gen_check_project(&p, &r);
    mem = record ? open_memstream(&out, &outlen) : NULL;
    gen_report_print(&r, (enum gen_format)o.format, o.statistics,
                     mem ? mem : stdout);
    if (mem != NULL && fclose(mem) == 0) {
        fwrite(out, 1, outlen, stdout);
    }
    else if (mem != NULL) {
        record = 0;
    }
    if (rc != 0 || ioerr != 0)
        status = GEN_EXIT_ERROR;
    else if (r.n != 0 && !o.exit_zero)
        status = GEN_EXIT_FINDINGS;
    else
        status = GEN_EXIT_CLEAN;
    fflush(stdout);
    if (record) {
        size_t nprobes;
        struct gen_probe *probes = gen_fslog_take(&nprobes);

        /* Statistics of json/sarif/github go to stderr, not kept. */
        if (status != GEN_EXIT_ERROR && gen_warnings() == 0 &&
            !ferror(stdout) && !(o.statistics && o.format != GEN_FMT_TEXT))
            gen_runs_save(runs, key, probes, nprobes, out, outlen, status,
                          nfiles, started);
        gen_probes_free(probes, nprobes);
    }
    free(out);
done:
    free(runs);
    if (!GEN_FREE_AT_EXIT)
        return status;
    gen_report_free(&r);
    gen_project_free(&p);
    gen_scan_free(&s);
    gen_lang_free();
    opts_free(&o);
    return status;
}

static int
cmd_gen(int argc, char **argv)
{
    struct opts o;
    struct gen_scan s = {0};
    struct gen_project p = {0};
    struct gen_gen_opts go = {0};
    int rc, status;

    if (parse_opts(argc, argv, &o) < 0)
        return GEN_EXIT_ERROR;
    if (o.out == NULL) {
        gen_warn("gen needs an output directory: -o OUT");
        usage(stderr);
        return GEN_EXIT_ERROR;
    }
    if (o.check && o.diff) {
        gen_warn("--check and --diff cannot be combined");
        return GEN_EXIT_ERROR;
    }
    p.keep_sources = 1;
    rc = load(argc, argv, &o, &s, &p);
    gen_project_analyse(&p);
    go.out = o.out;
    go.runtime = o.runtime;
    go.line_length = o.line_length;
    go.check = o.check;
    go.diff = o.diff;
    go.quiet = o.quiet;
    status = gen_generate(&p, &go);
    if (rc != 0 && status == GEN_EXIT_CLEAN)
        status = GEN_EXIT_ERROR;
    gen_project_free(&p);
    gen_scan_free(&s);
    gen_lang_free();
    opts_free(&o);
    return status;
}

/* explain FILE[:FUNCTION]: analyse FILE as check would and print the
 * evidence behind each function's domain. */
static int
cmd_explain(int argc, char **argv)
{
    struct opts o;
    struct gen_scan s = {0};
    struct gen_project p = {0};
    char *path, *colon, *func = NULL;
    struct stat st = {0};
    size_t i, n = 0;
    int rc;

    if (parse_opts(argc, argv, &o) < 0)
        return GEN_EXIT_ERROR;
    if (optind != argc - 1) {
        gen_warn("explain needs one FILE[:FUNCTION]");
        opts_free(&o);
        return GEN_EXIT_ERROR;
    }
    path = gen_xstrdup(argv[optind]);
    colon = strrchr(path, ':');
    if (colon != NULL && !gen_is_file(path)) {
        *colon = '\0';
        func = colon + 1;
    }
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        if ((st.st_mode & S_IFMT) == 0)
            gen_warn("%s: %s", path,
                     errno == ENOENT ? "no such file" : strerror(errno));
        else if (S_ISDIR(st.st_mode))
            gen_warn("%s: a directory; explain takes one file: FILE or "
                     "FILE:FUNCTION",
                     path);
        else
            gen_warn("%s: %s, not a source file; explain takes one Python "
                     "file",
                     path, gen_file_kind(st.st_mode));
        free(path);
        opts_free(&o);
        return GEN_EXIT_ERROR;
    }
    argv[optind] = path;
    o.use_cache = 1;
    rc = load(argc, argv, &o, &s, &p);
    gen_project_analyse(&p);
    cache_done(&o, &p, NULL);
    for (i = 0; i < p.nfiles; i++)
        if (p.files[i]->explicit_)
            n += gen_explain_file(p.files[i], func, stdout);
    if (func != NULL && n == 0) {
        gen_warn("%s: no async function `%s`", path, func);
        rc = 1;
    }
    gen_project_free(&p);
    gen_scan_free(&s);
    gen_lang_free();
    opts_free(&o);
    free(path);
    return rc ? GEN_EXIT_ERROR : GEN_EXIT_CLEAN;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The benchmark's floor: walk, read and parse with the same threads, and
 * build nothing.  Not part of the documented interface. */
static int
cmd_parse(int argc, char **argv)
{
    struct opts o;
    struct gen_scan s = {0};
    struct gen_project p = {0};
    double t0 = now();
    int rc;

    if (parse_opts(argc, argv, &o) < 0)
        return GEN_EXIT_ERROR;
    p.parse_only = 1;
    rc = load(argc, argv, &o, &s, &p);
    if (!o.quiet)
        printf("%zu files parsed in %.3f s\n", p.nfiles, now() - t0);
    gen_project_free(&p);
    gen_scan_free(&s);
    gen_lang_free();
    opts_free(&o);
    return rc ? GEN_EXIT_ERROR : GEN_EXIT_CLEAN;
}

static int
cmd_rules(int argc, char **argv)
{
    size_t i;

    (void)argc;
    (void)argv;
    for (i = 0; i < gen_nrules; i++)
        printf("%s  %-28s %s\n", gen_rules[i].code, gen_rules[i].name,
               gen_rules[i].summary);
    return GEN_EXIT_CLEAN;
}

/* The library table: one `package domain` line each. */
static int
cmd_libraries(int argc, char **argv)
{
    size_t i, n;
    const struct gen_libpkg *t = gen_libs_table(&n);

    (void)argc;
    (void)argv;
    for (i = 0; i < n; i++)
        printf("%-24s %s\n", t[i].name,
               t[i].dom == GEN_DOM_NONE ? "neutral"
                                        : gen_domain_name(t[i].dom));
    return GEN_EXIT_CLEAN;
}

static int
cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("trioaio-gen %s (tree-sitter-python %s)\n", GEN_VERSION,
           GEN_GRAMMAR_VERSION);
    return GEN_EXIT_CLEAN;
}

static const struct gen_cmd cmds[] = {
    {"check", cmd_check},         {"gen", cmd_gen},
    {"explain", cmd_explain},     {"rules", cmd_rules},
    {"libraries", cmd_libraries}, {"version", cmd_version},
    {"parse", cmd_parse},
};

int
main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return GEN_EXIT_ERROR;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return GEN_EXIT_CLEAN;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc, argv);
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0) {
            int rc = cmds[i].fn(argc - 1, argv + 1);

            gen_config_free(&config);
            return rc;
        }
    gen_warn("unknown command '%s'", argv[1]);
    usage(stderr);
    return GEN_EXIT_ERROR;
}
