; Namespaces: `namespace A\B;` prefixes qualified names as the package; a braced
; `namespace A\B { … }` is a module container.
(namespace_definition name: (namespace_name) @package !body)
(namespace_definition name: (namespace_name) @name body: (_)) @definition.module

; Types and members
(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.trait
(enum_declaration name: (name) @name) @definition.enum
(method_declaration name: (name) @name) @definition.method
(function_definition name: (name) @name) @definition.function
; `const A = 1, B = 2;` gives one constant per element (registry: const_declaration wraps a lone one).
(const_declaration (const_element (name) @name) @definition.constant)
((expression_statement
  (function_call_expression
    function: (name) @_define
    arguments: (arguments . (argument (string (string_content) @name))))) @definition.constant
  (#eq? @_define "define"))

; Imports: `use A\B\C;`, the prefix of a group `use A\B\{C, D};`, and required files.
(namespace_use_declaration (namespace_use_clause [(qualified_name) (name)] @import))
(namespace_use_declaration (namespace_name) @import body: (namespace_use_group))
(require_expression [(string (string_content) @import) (binary_expression right: (string (string_content) @import))])
(require_once_expression [(string (string_content) @import) (binary_expression right: (string (string_content) @import))])
(include_expression [(string (string_content) @import) (binary_expression right: (string (string_content) @import))])
(include_once_expression [(string (string_content) @import) (binary_expression right: (string (string_content) @import))])

; References: calls, constructions, supertypes, trait uses and named types.
(function_call_expression function: [(name) @ref (qualified_name (name) @ref .)])
(member_call_expression name: (name) @ref)
(nullsafe_member_call_expression name: (name) @ref)
(scoped_call_expression name: (name) @ref)
(scoped_call_expression scope: [(name) @ref (qualified_name (name) @ref .)])
(object_creation_expression [(name) @ref (qualified_name (name) @ref .)])
(base_clause [(name) @ref (qualified_name (name) @ref .)])
(class_interface_clause [(name) @ref (qualified_name (name) @ref .)])
(use_declaration [(name) @ref (qualified_name (name) @ref .)])
(named_type [(name) @ref (qualified_name (name) @ref .)])
(attribute [(name) @ref (qualified_name (name) @ref .)])
(class_constant_access_expression . [(name) @ref (qualified_name (name) @ref .)])
