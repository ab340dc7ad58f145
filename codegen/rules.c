#include "rules.h"

const struct gen_rule gen_rules[] = {
    {"TA001", "asyncio-await-in-trio",
     "asyncio code awaited in a Trio-domain function without aio_as_trio"},
    {"TA002", "trio-await-in-asyncio",
     "Trio code awaited in an asyncio-domain function without trio_as_aio"},
    {"TA003", "mixed-domain-function",
     "one function awaits both asyncio and Trio code"},
    {"TA004", "boundary-cannot-wrap",
     "boundary decorator on something it cannot wrap"},
    {"TA005", "boundary-wrong-direction",
     "boundary decorator in the wrong direction for the body it wraps"},
    {"TA006", "async-with-across-domains",
     "async with over the other domain's context manager without a shim"},
    {"TA007", "async-for-across-domains",
     "async for over the other domain's iterator without a shim"},
    {"TA008", "shim-already-target-domain",
     "shim around code that is already of the target domain"},
    {"TA009", "shim-wrong-side", "shim called from the wrong domain"},
    {"TA010", "trio-as-aio-coroutine",
     "trio_as_aio around a coroutine object, which it cannot adapt"},
    {"TA900", "syntax-error",
     "the file does not parse; analysis of it is conservative"},
};

const size_t gen_nrules = sizeof(gen_rules) / sizeof(gen_rules[0]);
