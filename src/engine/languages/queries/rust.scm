; Definitions. An impl block is a container named after its type, so its functions read
; `Type.method`; functions in traits become methods the same way.
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.struct
(union_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(trait_item name: (type_identifier) @name) @definition.trait
(impl_item
  type: [
    (type_identifier) @name
    (generic_type type: (type_identifier) @name)
    (generic_type type: (scoped_type_identifier name: (type_identifier) @name))
    (scoped_type_identifier name: (type_identifier) @name)
    (reference_type type: (type_identifier) @name)
  ]) @definition.impl
(type_item name: (type_identifier) @name) @definition.type
(associated_type name: (type_identifier) @name) @definition.type
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(mod_item name: (identifier) @name body: (declaration_list)) @definition.module
(macro_definition name: (identifier) @name) @definition.function

; Imports: `use` paths (the list's common prefix for `use a::{b, c}`), `mod x;` files, crates.
(use_declaration argument: [(scoped_identifier) (identifier) (crate) (super) (self)] @import)
(use_declaration argument: (scoped_use_list path: (_) @import))
(use_declaration argument: (use_as_clause path: (_) @import))
(use_declaration argument: (use_wildcard . (_) @import))
(mod_item name: (identifier) @import !body)
(extern_crate_declaration name: (identifier) @import)

; References: calls, macros, struct literals, and types named in signatures and bounds.
((call_expression function: (identifier) @ref)
  (#not-any-of? @ref "Ok" "Err" "Some"))
(call_expression function: (field_expression field: (field_identifier) @ref))
(call_expression function: (scoped_identifier name: (identifier) @ref))
((call_expression function: (scoped_identifier path: (identifier) @ref))
  (#not-eq? @ref "Self"))
(call_expression function: (generic_function function: (identifier) @ref))
(call_expression function: (generic_function function: (scoped_identifier name: (identifier) @ref)))
(call_expression function: (generic_function function: (field_expression field: (field_identifier) @ref)))
(macro_invocation macro: (identifier) @ref)
(struct_expression name: [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
((_ type: [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
((_ element: [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
((tuple_type [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
((_ return_type: [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
((_ trait: [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
((type_arguments [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
((trait_bounds [(type_identifier) @ref (scoped_type_identifier name: (type_identifier) @ref)])
  (#not-any-of? @ref "Self")
  (#not-match? @ref "^[A-Z]$"))
