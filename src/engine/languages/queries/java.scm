; Package: prefixes every qualified name (`com.acme.billing.Invoice.total`).
(package_declaration [(scoped_identifier) (identifier)] @package)

; Definitions
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(method_declaration name: (identifier) @name) @definition.method
(compact_constructor_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(field_declaration
  (modifiers "static" "final")
  declarator: (variable_declarator name: (identifier) @name)) @definition.constant
(field_declaration
  (modifiers "final" "static")
  declarator: (variable_declarator name: (identifier) @name)) @definition.constant
; Interface fields are implicitly static final.
(interface_body
  (constant_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.constant)

; Imports: the imported type, member or package (`import java.util.*` gives `java.util`).
(import_declaration [(scoped_identifier) (identifier)] @import)

; References: calls, constructors, supertypes and types named in declarations.
(method_invocation name: (identifier) @ref)
; A capitalised receiver is a class: `Money.format(x)` references Money.
((method_invocation object: (identifier) @ref)
  (#match? @ref "^[A-Z][a-z]"))
(object_creation_expression type: [(type_identifier) @ref (generic_type (type_identifier) @ref) (scoped_type_identifier (type_identifier) @ref .)])
(superclass [(type_identifier) @ref (generic_type (type_identifier) @ref)])
(super_interfaces (type_list [(type_identifier) @ref (generic_type (type_identifier) @ref)]))
(extends_interfaces (type_list [(type_identifier) @ref (generic_type (type_identifier) @ref)]))
(throws (type_identifier) @ref)
(catch_type (type_identifier) @ref)
(marker_annotation name: (identifier) @ref)
(annotation name: (identifier) @ref)
(method_reference . [(identifier) (type_identifier)] @ref)
((_ type: [(type_identifier) @ref (generic_type (type_identifier) @ref) (array_type element: (type_identifier) @ref)])
  (#not-match? @ref "^[A-Z]$"))
((type_arguments (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
