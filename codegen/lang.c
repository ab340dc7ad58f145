#include "lang.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Generated at build time from grammar/facts.scm. */
#include "facts_scm.h"

const TSLanguage *
tree_sitter_python(void);

struct gen_lang gen_lang;

static const char *const sym_names[SYM_COUNT] = {
    [SYM_IDENTIFIER] = "identifier",
    [SYM_ATTRIBUTE] = "attribute",
    [SYM_CALL] = "call",
    [SYM_ASYNC] = "async",
    [SYM_DECORATOR] = "decorator",
    [SYM_FUNCTION_DEFINITION] = "function_definition",
    [SYM_CLASS_DEFINITION] = "class_definition",
    [SYM_DOTTED_NAME] = "dotted_name",
    [SYM_ALIASED_IMPORT] = "aliased_import",
    [SYM_RELATIVE_IMPORT] = "relative_import",
    [SYM_IMPORT_PREFIX] = "import_prefix",
    [SYM_WILDCARD_IMPORT] = "wildcard_import",
    [SYM_WITH_CLAUSE] = "with_clause",
    [SYM_WITH_ITEM] = "with_item",
    [SYM_AS_PATTERN] = "as_pattern",
    [SYM_ARGUMENT_LIST] = "argument_list",
    [SYM_KEYWORD_ARGUMENT] = "keyword_argument",
    [SYM_PARENTHESIZED_EXPRESSION] = "parenthesized_expression",
    [SYM_GENERATOR_EXPRESSION] = "generator_expression",
    [SYM_COMMENT] = "comment",
    [SYM_ASSIGNMENT] = "assignment",
    [SYM_AS_PATTERN_TARGET] = "as_pattern_target",
    [SYM_TYPED_PARAMETER] = "typed_parameter",
    [SYM_TYPED_DEFAULT_PARAMETER] = "typed_default_parameter",
    [SYM_DEFAULT_PARAMETER] = "default_parameter",
    [SYM_TYPE] = "type",
    [SYM_STRING] = "string",
    [SYM_STRING_CONTENT] = "string_content",
    [SYM_COMPARISON_OPERATOR] = "comparison_operator",
    [SYM_ELIF_CLAUSE] = "elif_clause",
    [SYM_ELSE_CLAUSE] = "else_clause",
    [SYM_AWAIT] = "await",
    [SYM_LIST_SPLAT] = "list_splat",
    [SYM_DICTIONARY_SPLAT] = "dictionary_splat",
    [SYM_BINARY_OPERATOR] = "binary_operator",
    [SYM_GENERIC_TYPE] = "generic_type",
    [SYM_TYPE_PARAMETER] = "type_parameter",
    [SYM_NONE] = "none",
    [SYM_SUBSCRIPT] = "subscript",
    [SYM_CASE_CLAUSE] = "case_clause",
    [SYM_CASE_PATTERN] = "case_pattern",
    [SYM_RETURN_STATEMENT] = "return_statement",
    [SYM_RAISE_STATEMENT] = "raise_statement",
    [SYM_BLOCK] = "block",
    [SYM_EXPRESSION_STATEMENT] = "expression_statement",
    [SYM_ASSERT_STATEMENT] = "assert_statement",
};

/* Anonymous tokens; every other name above is a named node. */
static const int sym_anonymous[SYM_COUNT] = {
    [SYM_ASYNC] = 1,
};

static const char *const fld_names[FLD_COUNT] = {
    [FLD_NAME] = "name",
    [FLD_FUNCTION] = "function",
    [FLD_ARGUMENTS] = "arguments",
    [FLD_OBJECT] = "object",
    [FLD_ATTRIBUTE] = "attribute",
    [FLD_DEFINITION] = "definition",
    [FLD_MODULE_NAME] = "module_name",
    [FLD_ALIAS] = "alias",
    [FLD_RIGHT] = "right",
    [FLD_PARAMETERS] = "parameters",
    [FLD_RETURN_TYPE] = "return_type",
    [FLD_BODY] = "body",
    [FLD_VALUE] = "value",
    [FLD_TYPE] = "type",
    [FLD_SUPERCLASSES] = "superclasses",
    [FLD_LEFT] = "left",
    [FLD_CONDITION] = "condition",
    [FLD_CONSEQUENCE] = "consequence",
    [FLD_ALTERNATIVE] = "alternative",
    [FLD_SUBJECT] = "subject",
};

static const char *const cap_names[CAP_COUNT] = {
    [CAP_IMPORT] = "import",
    [CAP_IMPORT_FROM] = "import_from",
    [CAP_IMPORT_FUTURE] = "import_future",
    [CAP_DECORATED] = "decorated",
    [CAP_CLASS] = "class",
    [CAP_DEF] = "def",
    [CAP_AWAIT] = "await",
    [CAP_WITH] = "with",
    [CAP_FOR] = "for",
    [CAP_FOR_CLAUSE] = "for_clause",
    [CAP_YIELD] = "yield",
    [CAP_COMMENT] = "comment",
    [CAP_CALL] = "call",
    [CAP_IF] = "if",
    [CAP_MATCH] = "match",
};

/* Every pattern in facts.scm has the form `(node_type) @capture`.  The
 * model walks the tree itself (so that it can skip subtrees that hold no
 * keyword it cares about, see model.c) and uses this table, built from the
 * query's own text, to know which nodes the query would have captured. */
static void
map_patterns(const TSLanguage *lang)
{
    uint32_t np = ts_query_pattern_count(gen_lang.facts), i, s;

    gen_lang.nsyms = ts_language_symbol_count(lang);
    gen_lang.cap_of_sym = gen_xmalloc(gen_lang.nsyms);
    memset(gen_lang.cap_of_sym, CAP_COUNT, gen_lang.nsyms);
    for (i = 0; i < np; i++) {
        uint32_t off = ts_query_start_byte_for_pattern(gen_lang.facts, i);
        const char *p = gen_facts_scm + off, *q, *at;
        size_t n, j;

        if (*p != '(')
            gen_fatal("grammar/facts.scm: pattern %u is not (type) @cap", i);
        q = p + 1 + strcspn(p + 1, ") \n");
        at = strchr(q, '@');
        if (*q != ')' || at == NULL)
            gen_fatal("grammar/facts.scm: pattern %u is not (type) @cap", i);
        n = strcspn(at + 1, " \n");
        for (j = 0; j < CAP_COUNT; j++)
            if (strlen(cap_names[j]) == n &&
                memcmp(cap_names[j], at + 1, n) == 0)
                break;
        /* Aliased symbols share a name: map every one of them. */
        for (s = 0; s < gen_lang.nsyms; s++) {
            const char *name = ts_language_symbol_name(lang, (TSSymbol)s);

            if (ts_language_symbol_type(lang, (TSSymbol)s) ==
                    TSSymbolTypeRegular &&
                name != NULL && strlen(name) == (size_t)(q - p - 1) &&
                memcmp(name, p + 1, (size_t)(q - p - 1)) == 0)
                gen_lang.cap_of_sym[s] = (uint8_t)j;
        }
    }
}

void
gen_lang_init(void)
{
    const TSLanguage *lang = tree_sitter_python();
    uint32_t err_off = 0, i, j, ncap;
    TSQueryError err = TSQueryErrorNone;

    /* tree-sitter's own allocations through ours: its default allocator
     * ends the program with exit status 1, which means "findings" here. */
    ts_set_allocator(gen_xmalloc, gen_xcalloc, gen_xrealloc, free);
    if (ts_language_version(lang) != 14)
        gen_fatal("grammar ABI %u, expected 14", ts_language_version(lang));
    gen_lang.language = lang;
    for (i = 0; i < SYM_COUNT; i++) {
        const char *s = sym_names[i];

        gen_lang.sym[i] = ts_language_symbol_for_name(
            lang, s, (uint32_t)strlen(s), !sym_anonymous[i]);
        if (gen_lang.sym[i] == 0)
            gen_fatal("grammar has no node type '%s'", s);
    }
    for (i = 0; i < FLD_COUNT; i++) {
        const char *s = fld_names[i];

        gen_lang.fld[i] =
            ts_language_field_id_for_name(lang, s, (uint32_t)strlen(s));
        if (gen_lang.fld[i] == 0)
            gen_fatal("grammar has no field '%s'", s);
    }
    gen_lang.facts = ts_query_new(
        lang, gen_facts_scm, (uint32_t)strlen(gen_facts_scm), &err_off, &err);
    if (gen_lang.facts == NULL)
        gen_fatal("grammar/facts.scm: query error %d at byte %u", (int)err,
                  err_off);
    ncap = ts_query_capture_count(gen_lang.facts);
    if (ncap != CAP_COUNT)
        gen_fatal("grammar/facts.scm: %u captures, expected %d", ncap,
                  CAP_COUNT);
    for (i = 0; i < ncap; i++) {
        uint32_t len;
        const char *name =
            ts_query_capture_name_for_id(gen_lang.facts, i, &len);

        for (j = 0; j < CAP_COUNT; j++)
            if (strlen(cap_names[j]) == len &&
                memcmp(cap_names[j], name, len) == 0)
                break;
        if (j == CAP_COUNT)
            gen_fatal("grammar/facts.scm: unknown capture @%.*s", (int)len,
                      name);
        gen_lang.cap[i] = (uint8_t)j;
    }
    map_patterns(lang);
}

void
gen_lang_free(void)
{
    ts_query_delete(gen_lang.facts);
    gen_lang.facts = NULL;
    free(gen_lang.cap_of_sym);
    gen_lang.cap_of_sym = NULL;
}
