; Definitions. Namespaces are module containers; classes, structs and enums hold their members.
; `template <…>` and `typedef` are wrappers (registry), so their doc comments attach.
(namespace_definition name: (_) @name) @definition.module
(type_definition type: (struct_specifier body: (_)) @definition.struct declarator: (type_identifier) @name)
(type_definition type: (class_specifier body: (_)) @definition.class declarator: (type_identifier) @name)
(type_definition type: (union_specifier body: (_)) @definition.struct declarator: (type_identifier) @name)
(type_definition type: (enum_specifier body: (_)) @definition.enum declarator: (type_identifier) @name)
(class_specifier name: [(type_identifier) (template_type)] @name body: (_)) @definition.class
(struct_specifier name: [(type_identifier) (template_type)] @name body: (_)) @definition.struct
(union_specifier name: (type_identifier) @name body: (_)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum

; Out-of-line member definitions (`void Store::put(…)`, `Cache<T>::~Cache()`): @scope names the class.
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      name: (qualified_identifier
        scope: (_) @scope
        name: [(identifier) (destructor_name) (operator_name)] @name)))) @definition.method
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      scope: (_) @scope
      name: [(identifier) (destructor_name) (operator_name)] @name))) @definition.method
(function_definition
  declarator: (_
    (function_declarator
      declarator: (qualified_identifier
        scope: (_) @scope
        name: [(identifier) (destructor_name) (operator_name)] @name)))) @definition.method

; Functions (methods when inside a class), including ones returning pointers or references.
(function_definition
  declarator: (function_declarator
    declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)) @definition.function
(function_definition
  declarator: (_
    (function_declarator
      declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))) @definition.function

; Declarations only: prototypes, and member functions declared in a class body.
(declaration
  declarator: (function_declarator
    declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)) @definition.function
(declaration
  declarator: (_
    (function_declarator
      declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name))) @definition.function
(field_declaration
  declarator: (function_declarator
    declarator: [(field_identifier) (destructor_name) (operator_name)] @name)) @definition.function
(field_declaration
  declarator: (_
    (function_declarator
      declarator: [(field_identifier) (destructor_name) (operator_name)] @name))) @definition.function

; Type aliases
(alias_declaration name: (type_identifier) @name) @definition.type
(type_definition
  type: [(primitive_type) (sized_type_specifier) (type_identifier) (qualified_identifier) (template_type)
         (struct_specifier !body) (class_specifier !body) (union_specifier !body) (enum_specifier !body)]
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.type

; Constants: const/constexpr variables and static members, object-like macros.
((declaration
  (type_qualifier) @_const
  declarator: (init_declarator
    declarator: [(identifier) @name
                 (array_declarator declarator: (identifier) @name)
                 (pointer_declarator declarator: (identifier) @name)])) @definition.constant
  (#any-of? @_const "const" "constexpr"))
((field_declaration
  (type_qualifier) @_const
  declarator: (field_identifier) @name
  default_value: (_)) @definition.constant
  (#any-of? @_const "const" "constexpr"))
(preproc_def name: (identifier) @name value: (_)) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.function

; Imports
(preproc_include path: (string_literal (string_content) @import))
(preproc_include path: (system_lib_string) @import)

; References: calls, constructions, base classes and named types.
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(call_expression function: (qualified_identifier name: (identifier) @ref))
(call_expression function: (template_function name: (identifier) @ref))
(call_expression function: (qualified_identifier name: (template_function name: (identifier) @ref)))
(call_expression function: (field_expression field: (template_method name: (field_identifier) @ref)))
(new_expression type: (type_identifier) @ref)
(base_class_clause (type_identifier) @ref)
(base_class_clause (qualified_identifier name: (type_identifier) @ref))
((_ type: (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
((template_type name: (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
((qualified_identifier name: (type_identifier) @ref)
  (#not-match? @ref "^[A-Z]$"))
(struct_specifier name: (type_identifier) @ref !body)
(class_specifier name: (type_identifier) @ref !body)
(enum_specifier name: (type_identifier) @ref !body)
