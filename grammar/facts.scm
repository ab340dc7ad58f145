; Facts trioaio-gen reads from one Python module.
;
; The checker consumes the captures in document order and keeps a stack of
; the enclosing class/function definitions by byte range, so a capture
; belongs to the innermost definition that contains it.  The tree-sitter C
; library ignores predicates such as #eq? and #match?, so this file has
; none: the C side (codegen/model.c) looks at names, the `async` keyword and
; comment text itself.
;
; Capture names are part of the contract with model.c (see
; gen_model_capture_names); keep them in sync.

(import_statement) @import
(import_from_statement) @import_from
(future_import_statement) @import_future

(decorated_definition) @decorated
(class_definition) @class
(function_definition) @def

(await) @await
(with_statement) @with
(for_statement) @for
(for_in_clause) @for_clause
(yield) @yield

(comment) @comment

; Calls that hand a function to a runner (trio.run, asyncio.run,
; nursery.start_soon...) and branches that dispatch on the running library
; (sniffio.current_async_library() == "trio", or match/case on it).
(call) @call
(if_statement) @if
(match_statement) @match
