; Definitions. A typedef'd struct/enum/union is named by its typedef (the registry makes
; type_definition a wrapper, so the doc above `typedef` belongs to it); these patterns come
; before the plain tagged ones.
(type_definition type: (struct_specifier body: (_)) @definition.struct declarator: (type_identifier) @name)
(type_definition type: (union_specifier body: (_)) @definition.struct declarator: (type_identifier) @name)
(type_definition type: (enum_specifier body: (_)) @definition.enum declarator: (type_identifier) @name)
(struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
(union_specifier name: (type_identifier) @name body: (_)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum

; Other typedefs: plain, tag-only and function-pointer types.
(type_definition
  type: [(primitive_type) (sized_type_specifier) (type_identifier)
         (struct_specifier !body) (union_specifier !body) (enum_specifier !body)]
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
    (array_declarator declarator: (type_identifier) @name)
  ]) @definition.type

; Functions (up to two levels of pointer return), and prototypes.
(function_definition declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(function_definition declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))) @definition.function
(declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function

; Constants: object-like macros with a value, and const-qualified globals.
(preproc_def name: (identifier) @name value: (_)) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function
((declaration
  (type_qualifier) @_const
  declarator: (init_declarator
    declarator: [(identifier) @name
                 (array_declarator declarator: (identifier) @name)
                 (pointer_declarator declarator: (identifier) @name)])) @definition.constant
  (#eq? @_const "const"))
((declaration
  declarator: (init_declarator
    declarator: (pointer_declarator (type_qualifier) @_const declarator: (identifier) @name))) @definition.constant
  (#eq? @_const "const"))

; Imports: `"local.h"` as the bare path, `<system.h>` with its brackets.
(preproc_include path: (string_literal (string_content) @import))
(preproc_include path: (system_lib_string) @import)

; References: calls (direct and through function pointers) and named types.
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(_ type: (type_identifier) @ref)
(struct_specifier name: (type_identifier) @ref !body)
(union_specifier name: (type_identifier) @ref !body)
(enum_specifier name: (type_identifier) @ref !body)
