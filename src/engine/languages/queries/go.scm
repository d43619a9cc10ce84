; Package: prefixes every qualified name (`store.Open`, `store.Server.Start`).
(package_clause (package_identifier) @package)

; Definitions. A single-spec `type`/`const` declaration wraps its spec (registry wrapperNodes),
; so the doc comment above the keyword belongs to the spec; specs inside `( … )` groups
; take the comment directly above them.
(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: (_) @scope))
  name: (field_identifier) @name) @definition.method
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(method_elem name: (field_identifier) @name) @definition.method
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))

; Imports
(import_spec path: (interpreted_string_literal (interpreted_string_literal_content) @import))

; References: calls, and types named in signatures, fields, literals and conversions
; (not builtin types, not single-letter type parameters).
(call_expression function: (identifier) @ref)
(call_expression function: (selector_expression field: (field_identifier) @ref))
((_ type: (type_identifier) @ref)
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((_ result: (type_identifier) @ref)
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((_ element: (type_identifier) @ref)
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((_ key: (type_identifier) @ref)
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((_ value: (type_identifier) @ref)
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((pointer_type (type_identifier) @ref)
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((type_arguments (type_elem (type_identifier) @ref))
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
((interface_type (type_elem (type_identifier) @ref))
  (#not-any-of? @ref "any" "bool" "byte" "comparable" "complex64" "complex128" "error" "float32" "float64" "int" "int8" "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64" "uintptr")
  (#not-match? @ref "^[A-Z]$"))
(qualified_type name: (type_identifier) @ref)
