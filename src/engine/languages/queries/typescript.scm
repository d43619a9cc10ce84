; Definitions. Function-valued constants come before plain constants: the first pattern wins.
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(function_signature name: (identifier) @name) @definition.function
(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression)])) @definition.function
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(method_definition name: (_) @name) @definition.method
(abstract_method_signature name: (_) @name) @definition.method
(method_signature name: (_) @name) @definition.method
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(internal_module name: (_) @name) @definition.module
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
(call_expression function: (identifier) @ref)
(call_expression function: (member_expression property: (property_identifier) @ref))
(new_expression constructor: (identifier) @ref)
(type_annotation (type_identifier) @ref)
(extends_clause value: (identifier) @ref)
(extends_clause value: (member_expression property: (property_identifier) @ref))
(implements_clause (type_identifier) @ref)
(extends_type_clause type: (type_identifier) @ref)
(generic_type name: (type_identifier) @ref)
(nested_type_identifier name: (type_identifier) @ref)
(type_alias_declaration value: (type_identifier) @ref)
((array_type (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
((union_type (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
((type_arguments (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
