; Namespaces: a block namespace is a module container; a file-scoped one (`namespace A.B;`)
; encloses nothing in the tree, so it prefixes qualified names as the package.
(namespace_declaration name: (_) @name) @definition.module
(file_scoped_namespace_declaration name: (_) @package)

; Types
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(delegate_declaration name: (identifier) @name) @definition.type

; Members
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(destructor_declaration name: (identifier) @name) @definition.method
(operator_declaration operator: _ @name) @definition.method
(local_function_statement name: (identifier) @name) @definition.function
((field_declaration
  (modifier) @_const
  (variable_declaration (variable_declarator name: (identifier) @name))) @definition.constant
  (#eq? @_const "const"))

; Imports: the namespace or type a `using` brings in (the target of an alias).
(using_directive !name [(identifier) (qualified_name)] @import)
(using_directive name: (_) "=" [(identifier) (qualified_name) (generic_name)] @import)

; References: calls, constructions, base types, attributes and named types.
((invocation_expression function: (identifier) @ref)
  (#not-eq? @ref "nameof"))
(invocation_expression function: (generic_name . (identifier) @ref))
(invocation_expression function: (member_access_expression name: (identifier) @ref))
; A capitalised receiver is usually a type: `Json.Serialize(x)` references Json.
((invocation_expression function: (member_access_expression expression: (identifier) @ref))
  (#match? @ref "^[A-Z][a-z]"))
(invocation_expression function: (member_access_expression name: (generic_name . (identifier) @ref)))
(object_creation_expression type: [(identifier) @ref (generic_name . (identifier) @ref) (qualified_name name: (identifier) @ref)])
(base_list [(identifier) @ref (generic_name . (identifier) @ref) (qualified_name name: (identifier) @ref)])
(attribute name: [(identifier) @ref (qualified_name name: (identifier) @ref)])
((_ type: [(identifier) @ref (generic_name . (identifier) @ref) (qualified_name name: (identifier) @ref)])
  (#not-match? @ref "^[A-Z]$"))
((_ returns: [(identifier) @ref (generic_name . (identifier) @ref) (qualified_name name: (identifier) @ref)])
  (#not-match? @ref "^[A-Z]$"))
((type_argument_list [(identifier) @ref (generic_name . (identifier) @ref)])
  (#not-match? @ref "^[A-Z]$"))
