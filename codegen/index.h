/* Domains: deciding, for every async function of the project, whether it
 * is asyncio code or Trio code, from the evidence its body, its callers
 * and its configuration give (see docs/generator-rules.md).
 *
 * Every piece of evidence has a kind, a tier and a place.  The highest
 * tier that has any evidence decides; evidence of a lower tier never
 * overrides it.  Two domains at the deciding tier make the function mixed
 * (TA003).  Tiers from GEN_TIER_LIB_WITH up are "strong".  In the body,
 * what the author wrote on purpose ranks first: shims and awaits of
 * boundary functions (the majority wins when they disagree), then what it
 * awaits from a library, then what it enters.  Runners rank above the
 * body, except where the body's strong evidence all says the other
 * domain: then the body decides and the hand-over is the mistake,
 * reported at the runner call. */
#ifndef GEN_INDEX_H
#define GEN_INDEX_H

#include "project.h"

enum gen_tier {
    GEN_TIER_NONE = 0,
    GEN_TIER_PROPAGATED, /* awaits project functions of that domain */
    GEN_TIER_MODULE,     /* the module imports only that library */
    GEN_TIER_DEFAULT,    /* configuration or a `# trioaio-gen:` comment */
    GEN_TIER_WRAPPED,    /* callers wrap it in a shim: aio_as_trio(f) */
    GEN_TIER_LIB_WITH,   /* enters or iterates that library's objects */
    GEN_TIER_LIB_AWAIT,  /* awaits that library */
    GEN_TIER_BCALL,      /* awaits a boundary-decorated function */
    GEN_TIER_SHIM,       /* calls shims that only make sense there */
    GEN_TIER_RUNNER,     /* handed to a runner: trio.run, asyncio.run... */
    GEN_TIER_CONTEXT,    /* how it is run: pytest marks, task_status */
    GEN_TIER_BOUNDARY,   /* a boundary decorator */
};

enum gen_evk {
    GEN_EVK_BOUNDARY,       /* @aio_as_trio / @trio_as_aio */
    GEN_EVK_MARK,           /* @pytest.mark.trio / @pytest.mark.asyncio */
    GEN_EVK_PYTEST_MODE,    /* pytest-trio's trio_mode, asyncio_mode=auto */
    GEN_EVK_ENTRY,          /* handed to trio.run, asyncio.run... */
    GEN_EVK_TASK_STATUS,    /* a `task_status` parameter */
    GEN_EVK_SCOPE,          /* enters a nursery, cancel scope, timeout */
    GEN_EVK_LIB_AWAIT,      /* awaits a library call */
    GEN_EVK_LIB_WITH,       /* async with / async for over a library */
    GEN_EVK_AWAIT_BOUNDARY, /* awaits a boundary-decorated function */
    GEN_EVK_SHIM,           /* calls a shim */
    GEN_EVK_DEFAULT,        /* [tool.trioaio-gen] default domain */
    GEN_EVK_PRAGMA,         /* `# trioaio-gen: domain=...` */
    GEN_EVK_MODULE,         /* the module's imports */
    GEN_EVK_PROPAGATED,     /* awaits a project function */
    GEN_EVK_WRAPPED,        /* wrapped in a shim where it is called */
    GEN_EVK_PROTOCOL,       /* its __aenter__/__aexit__ partner's domain */
    GEN_EVK_CLASS,          /* its class's other methods are @aio_as_trio */
    GEN_EVK_FRAMEWORK,      /* registered with a Trio framework's app */
    GEN_EVK_ASSERT,         /* asserts sniffio's current_async_library() */
    GEN_EVK_CONTRACT,       /* the runtime's own definition of a shim */
    GEN_EVK_COUNT
};

/* Load imported project modules, resolve names, infer domains. */
void
gen_project_analyse(struct gen_project *p);

/* A short name for an evidence kind ("pytest mark", "runner"...). */
const char *
gen_evk_name(int kind);

/* Append to b why fn has its domain, for messages: "`@pytest.mark.trio`,
 * line 14" (the file is named when it is not `here`). */
struct gen_buf;
void
gen_evid_reason(struct gen_buf *b, const struct gen_evid *e, const char *here);

#endif /* GEN_INDEX_H */
