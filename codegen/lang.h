/* The tree-sitter-python grammar compiled into the tool, the facts query
 * from grammar/facts.scm, and the symbol and field ids the model uses.
 * gen_lang_init() must be called once before any thread starts; the
 * objects are then read-only and shared by every thread. */
#ifndef GEN_LANG_H
#define GEN_LANG_H

#include <tree_sitter/api.h>

enum gen_sym {
    SYM_IDENTIFIER,
    SYM_ATTRIBUTE,
    SYM_CALL,
    SYM_ASYNC,
    SYM_DECORATOR,
    SYM_FUNCTION_DEFINITION,
    SYM_CLASS_DEFINITION,
    SYM_DOTTED_NAME,
    SYM_ALIASED_IMPORT,
    SYM_RELATIVE_IMPORT,
    SYM_IMPORT_PREFIX,
    SYM_WILDCARD_IMPORT,
    SYM_WITH_CLAUSE,
    SYM_WITH_ITEM,
    SYM_AS_PATTERN,
    SYM_ARGUMENT_LIST,
    SYM_KEYWORD_ARGUMENT,
    SYM_PARENTHESIZED_EXPRESSION,
    SYM_GENERATOR_EXPRESSION,
    SYM_COMMENT,
    SYM_ASSIGNMENT,
    SYM_AS_PATTERN_TARGET,
    SYM_TYPED_PARAMETER,
    SYM_TYPED_DEFAULT_PARAMETER,
    SYM_DEFAULT_PARAMETER,
    SYM_TYPE,
    SYM_STRING,
    SYM_STRING_CONTENT,
    SYM_COMPARISON_OPERATOR,
    SYM_ELIF_CLAUSE,
    SYM_ELSE_CLAUSE,
    SYM_AWAIT,
    SYM_LIST_SPLAT,
    SYM_DICTIONARY_SPLAT,
    SYM_BINARY_OPERATOR,
    SYM_GENERIC_TYPE,
    SYM_TYPE_PARAMETER,
    SYM_NONE,
    SYM_SUBSCRIPT,
    SYM_CASE_CLAUSE,
    SYM_CASE_PATTERN,
    SYM_RETURN_STATEMENT,
    SYM_RAISE_STATEMENT,
    SYM_BLOCK,
    SYM_EXPRESSION_STATEMENT,
    SYM_ASSERT_STATEMENT,
    SYM_COUNT
};

enum gen_field {
    FLD_NAME,
    FLD_FUNCTION,
    FLD_ARGUMENTS,
    FLD_OBJECT,
    FLD_ATTRIBUTE,
    FLD_DEFINITION,
    FLD_MODULE_NAME,
    FLD_ALIAS,
    FLD_RIGHT,
    FLD_PARAMETERS,
    FLD_RETURN_TYPE,
    FLD_BODY,
    FLD_VALUE,
    FLD_TYPE,
    FLD_SUPERCLASSES,
    FLD_LEFT,
    FLD_CONDITION,
    FLD_CONSEQUENCE,
    FLD_ALTERNATIVE,
    FLD_SUBJECT,
    FLD_COUNT
};

/* Capture indices of the facts query, in the order of capture_names. */
enum gen_cap {
    CAP_IMPORT,
    CAP_IMPORT_FROM,
    CAP_IMPORT_FUTURE,
    CAP_DECORATED,
    CAP_CLASS,
    CAP_DEF,
    CAP_AWAIT,
    CAP_WITH,
    CAP_FOR,
    CAP_FOR_CLAUSE,
    CAP_YIELD,
    CAP_COMMENT,
    CAP_CALL,
    CAP_IF,
    CAP_MATCH,
    CAP_COUNT
};

struct gen_lang {
    const TSLanguage *language;
    TSQuery *facts;
    TSSymbol sym[SYM_COUNT];
    TSFieldId fld[FLD_COUNT];
    /* Maps query capture index -> enum gen_cap. */
    uint8_t cap[CAP_COUNT];
    /* Maps a node symbol to the enum gen_cap its pattern in facts.scm
     * captures it as, or CAP_COUNT; nsyms entries. */
    uint8_t *cap_of_sym;
    uint32_t nsyms;
};

extern struct gen_lang gen_lang;

/* Load the grammar and compile the query; exits with status 2 on failure
 * (a broken build, not a user error). */
void
gen_lang_init(void);
void
gen_lang_free(void);

static inline int
gen_is(TSNode n, enum gen_sym s)
{
    return ts_node_symbol(n) == gen_lang.sym[s];
}

static inline TSNode
gen_field(TSNode n, enum gen_field f)
{
    return ts_node_child_by_field_id(n, gen_lang.fld[f]);
}

#endif /* GEN_LANG_H */
