/* The facts of one Python module: what it imports, defines, awaits and
 * hands to runners.  The model (model.c, with bind.c and dispatch.c)
 * fills them from a parse tree; the index (index.c) resolves names and
 * fills in the fields marked as its own.  Names are stored as written
 * (dotted text).  A header of data only: no module of its own. */
#ifndef GEN_FACTS_H
#define GEN_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

enum gen_domain {
    GEN_DOM_NONE = 0,
    GEN_DOM_AIO = 1,
    GEN_DOM_TRIO = 2,
    GEN_DOM_MIXED = 3, /* == GEN_DOM_AIO | GEN_DOM_TRIO */
};

/* What one event does: await EXPR, async with EXPR, async for _ in EXPR. */
enum gen_ev_kind {
    GEN_EV_AWAIT,
    GEN_EV_WITH,
    GEN_EV_FOR,
    GEN_EV_SCOPE, /* plain `with EXPR`, recorded only for cancel scopes */
    /* `assert sniffio.current_async_library() == "asyncio"` (or "trio")
     * as a statement of the function's body: callee is the function
     * called as written. */
    GEN_EV_ASSERT_AIO,
    GEN_EV_ASSERT_TRIO,
};

/* The domain a run-time dispatch branch fixes for the events inside it
 * (`if sniffio.current_async_library() == "trio":`), in gen_event.region.
 * GEN_REGION_OTHER is the branch that is neither: not checked. */
enum {
    GEN_REGION_NONE = 0,
    GEN_REGION_AIO = 1,  /* == GEN_DOM_AIO */
    GEN_REGION_TRIO = 2, /* == GEN_DOM_TRIO */
    GEN_REGION_OTHER = 4,
};

/* The shape of the expression an event is about.  `callee` and `arg` are
 * dotted names (a.b.c) or NULL when the text is not a plain name. */
enum gen_shape {
    GEN_SHAPE_OTHER,   /* nothing we can name */
    GEN_SHAPE_NAME,    /* `await fut`: callee = fut */
    GEN_SHAPE_CALL,    /* `await f(x)`: callee = f, arg = name of x's callee
                          or of x itself */
    GEN_SHAPE_CALLCALL /* `await g(f)(x)`: callee = g, arg = f */
};

/* gen_event.arg_is_call of `await f(lambda: g(...))`, and of `await x`
 * inside `if isinstance(x, T):` (NAME shape: arg is T as written). */
#define GEN_ARG_LAMBDA 2
#define GEN_ARG_NARROWED 3

struct gen_event {
    char *callee;
    char *arg;
    uint32_t line, col;  /* 1-based; col counts characters */
    uint8_t kind;        /* enum gen_ev_kind */
    uint8_t shape;       /* enum gen_shape */
    uint8_t arg_is_call; /* CALL shape whose first argument is a call (1)
                            or a lambda without parameters whose body
                            calls `arg` (GEN_ARG_LAMBDA) */
    uint8_t region;      /* GEN_REGION_* of the dispatch branch around it */
    uint8_t yield_from;  /* `yield from EXPR` in a @types.coroutine def */
    /* Filled in by the index. */
    uint8_t ctx;     /* domain the event needs its function to be in */
    uint8_t source;  /* enum gen_ev_source (index.h) */
    uint8_t shim;    /* enum gen_shim when source is a shim */
    uint8_t wrapped; /* for shims: interface domain of what is wrapped */
    char *fqn;       /* resolved name of callee (or of arg for shims) */
    const struct gen_func *target; /* borrowed: project callee, or NULL */
    /* borrowed: `await f(g(...))` where f only awaits its parameter: f,
     * and the event is about g (fqn, source, target); else NULL. */
    const struct gen_func *through;
};

struct gen_decorator {
    char *name; /* dotted name, NULL if not a plain name */
    uint32_t line, col;
    uint8_t called; /* written as @name(...) */
};

/* Function flags. */
enum {
    GEN_FN_ASYNC = 1 << 0,
    GEN_FN_GEN = 1 << 1,         /* contains yield */
    GEN_FN_METHOD = 1 << 2,      /* defined directly in a class body */
    GEN_FN_ERROR = 1 << 3,       /* its subtree has a syntax error */
    GEN_FN_CLASS = 1 << 4,       /* this entry is a class, not a function */
    GEN_FN_DISPATCH = 1 << 5,    /* branches on the running async library */
    GEN_FN_ARG_REBOUND = 1 << 6, /* its first parameter (after self) is
                                    assigned in its body */
    GEN_FN_HYBRID = 1 << 7,      /* run under trio_asyncio.allow_asyncio */
    GEN_FN_AIO_CALLER = 1 << 8,  /* set by the index: awaited by a function
                                    whose own evidence makes it asyncio */
};

/* A parameter, or what a local name was bound to: `x = Cls(...)`,
 * `x = await factory(...)`, `async with f(...) as x`, `x: T`, and for
 * `self.x` the same in the class's methods and body.  `type` is the dotted
 * callee or annotation as written; the index resolves it. */
struct gen_bind {
    char *name; /* "x", or "self.x" */
    char *type; /* dotted name, or NULL (a parameter without annotation) */
    uint32_t line;
    uint8_t resolved; /* type is already a resolved name (set by the index
                         from what every caller passes) */
    uint8_t kind;     /* enum gen_bind_kind: what `type` says of the value */
    int32_t site;     /* GEN_BIND_PARAM: index of the function in f->funcs
                         whose parameter `type` is; -2: a module-level
                         binding (a global or a global's attribute);
                         else -1 */
};

/* How a bound value relates to the name in gen_bind.type. */
enum gen_bind_kind {
    GEN_BIND_CALL,    /* made by calling it, or an instance of the
                         annotation: `x = C(...)`, `x = await f(...)`,
                         `x: T`, `x = await aio_as_trio(f)(...)` */
    GEN_BIND_ALIAS,   /* the object it names, called as it would be:
                         `x = y`, `x = partial(f, ...)` */
    GEN_BIND_AWAITED, /* what awaiting it gives: `x = await y` */
    GEN_BIND_PARAM,   /* a parameter of the function `site` (without an
                         annotation): `self.x = x` in __init__ */
    GEN_BIND_ELEMENT, /* one of the values unpacked from what calling it
                         makes: `*_, ch = await r.subscribe(...)`; known
                         only as an object of the same library */
};

/* A call of what looks like a class (`Database(redis)`: a capitalised
 * name) with a first positional argument, so that the index can type
 * the constructor's parameter from what every caller passes. */
enum gen_ctor_arg {
    GEN_CTOR_UNKNOWN, /* a literal, a starred or any other expression */
    GEN_CTOR_NAME,    /* `C(x)`, `C(self.x)`: arg is the dotted name */
    GEN_CTOR_CALL,    /* `C(f(...))`, `C(await f(...))`: arg is f */
    GEN_CTOR_AWAITED, /* `C(await x)`: arg is x, counted if a library's */
};

struct gen_ctor {
    char *callee; /* dotted, as written */
    char *arg;    /* dotted, or NULL for GEN_CTOR_UNKNOWN */
    uint32_t line;
    long func;       /* enclosing definition in f->funcs, or -1 */
    uint8_t argkind; /* enum gen_ctor_arg */
};

/* A call that hands a function to a runner or scheduler, wherever it is
 * (module level, sync code): trio.run(f), asyncio.run(f()),
 * nursery.start_soon(f), loop.call_soon(cb).  One per argument that names
 * a callable. */
struct gen_call {
    char *callee; /* dotted, e.g. "nursery.start_soon" */
    char *arg;    /* callable named by the argument: f in `f` or `f(...)` */
    uint32_t line, col;
    long func;      /* enclosing definition in f->funcs, or -1 */
    uint8_t region; /* GEN_REGION_* of the dispatch branch around it */
    /* Filled in by the index. */
    uint8_t dom; /* the domain the runner runs it in, or GEN_DOM_NONE */
    const struct gen_func *target; /* borrowed: the function handed over */
};

struct gen_func {
    char *name;
    char *qualname;      /* Outer.inner for methods and nested defs */
    uint32_t line, col;  /* of the `def`/`class` keyword line */
    uint32_t start_byte; /* definition node, for gen */
    uint32_t flags;
    struct gen_decorator *decos;
    size_t ndecos;
    struct gen_event *events;
    size_t nevents, capevents;
    struct gen_bind *params; /* in order; also `bases` of a class */
    size_t nparams, capparams;
    struct gen_bind *binds; /* for names its events use as receivers */
    size_t nbinds, capbinds;
    char *ret;    /* dotted return annotation, or NULL */
    char *yields; /* the first name it yields (a fixture's value), or NULL;
                     "return" when it ends with `return C(...)`, bound in
                     binds to C */
    /* Filled in by the index. */
    uint8_t boundary;            /* enum gen_shim of a boundary decorator */
    uint8_t acm;                 /* decorated with asynccontextmanager */
    uint8_t domain;              /* body domain */
    uint8_t iface;               /* domain callers must be in */
    const struct gen_file *file; /* borrowed: the file it is in */
    const struct gen_decorator *bdeco; /* borrowed: the boundary decorator */
    uint8_t tier;                      /* evidence tier that decided */
    struct gen_evid *evid;             /* owned: every piece of evidence */
    size_t nevid, capevid;
    const struct gen_evid *why;   /* borrowed: decided by this */
    const struct gen_evid *clash; /* borrowed: TA003's other side */
};

/* One piece of evidence for a function's domain (see index.c). */
struct gen_evid {
    uint8_t kind; /* enum gen_evk (index.h) */
    uint8_t tier; /* enum gen_tier (index.h) */
    uint8_t dom;  /* GEN_DOM_AIO or GEN_DOM_TRIO */
    uint32_t line, col;
    const char *path;           /* borrowed: the file it is in */
    char *what;                 /* owned: what it is, for messages */
    const struct gen_func *via; /* borrowed: propagated from this callee */
};

struct gen_import {
    char *local;   /* name bound in the module */
    char *module;  /* dotted module text after the dots ("" if none) */
    char *name;    /* imported name for `from`, NULL for `import` */
    uint8_t level; /* leading dots of a relative import */
};

struct gen_noqa {
    uint32_t line;
    char *codes; /* "TA001,TA002" normalised, or NULL for all codes */
};

struct gen_file {
    char *path;        /* as given or found by the walk */
    char *modname;     /* dotted module name, "" if unknown */
    char *root;        /* directory its top package lives in */
    uint8_t is_init;   /* __init__.py: its module is the package */
    uint8_t explicit_; /* reported on (not only loaded to resolve names) */
    uint8_t io_error;  /* could not be read; errno in err */
    uint8_t syntax_error;
    int err;
    uint32_t err_line, err_col;
    size_t nbytes;
    struct gen_import *imports;
    size_t nimports, capimports;
    struct gen_func *funcs;
    size_t nfuncs, capfuncs;
    struct gen_noqa *noqa;
    size_t nnoqa, capnoqa;
    struct gen_call *calls;
    size_t ncalls, capcalls;
    struct gen_ctor *ctors;
    size_t nctors, capctors;
    /* `# trioaio-gen: domain=...` comment: enum gen_domain and its line. */
    uint8_t pragma_dom;
    uint32_t pragma_line;
    /* Kept only by `gen` for files with a boundary-looking decorator, so
     * that each file is read and parsed once; NULL otherwise. */
    char *src;
    TSTree *tree;
    /* Filled in by the index and the loader, not facts of the file. */
    /* Explicit but not parsed (yet): its bytes hold no word any rule
     * looks for (load.c), so it is modelled only when resolution needs
     * its definitions (gen_project_wake).  `caps` are the hashes of the
     * capitalised words in it, sorted: what could be a constructor call
     * of a project class (index.c). */
    uint8_t dormant;
    uint8_t woken;  /* was dormant: TA900 is not reported for it either */
    uint8_t stages; /* GEN_STAGE_* the index has run on it */
    uint64_t *caps;
    size_t ncaps;
    size_t seq; /* position in the project's files: first definition wins */
};

#endif /* GEN_FACTS_H */
