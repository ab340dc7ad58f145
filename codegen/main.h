/* The subcommand table of trioaio-gen. */
#ifndef GEN_MAIN_H
#define GEN_MAIN_H

#ifndef GEN_GRAMMAR_VERSION
#define GEN_GRAMMAR_VERSION "unknown"
#endif

struct gen_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
};

#endif /* GEN_MAIN_H */
