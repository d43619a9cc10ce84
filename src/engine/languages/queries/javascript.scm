; Definitions. Function-valued constants come before plain constants: the first pattern wins.
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(class_declaration name: (identifier) @name) @definition.class
(method_definition name: (_) @name) @definition.method
; A `const x = require('…')` is an import, not a constant.
((lexical_declaration "const" (variable_declarator name: (identifier) @name value: (_) @_value)) @definition.constant
  (#not-match? @_value "^require\\("))

; Imports
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
(call_expression
  function: [(identifier) @_req (import)]
  arguments: (arguments . (string (string_fragment) @import))
  (#eq? @_req "require"))

; References
; Alternatives sharing a root are one pattern: with jsx.scm this makes 16 patterns, and the query
; cursor's lookup of each node's type among the patterns' roots takes a step more from 17 on.
(call_expression function: [(identifier) @ref (member_expression property: (property_identifier) @ref)])
(new_expression constructor: (identifier) @ref)
(class_heritage [(identifier) @ref (member_expression property: (property_identifier) @ref)])
