; Definitions. Specific class shapes (enums, protocols) come before plain classes: the first pattern wins.
(class_definition
  name: (identifier) @name
  superclasses: (argument_list [(identifier) (attribute)] @_base)
  (#match? @_base "(^|\\.)(Enum|IntEnum|StrEnum|Flag|IntFlag)$")) @definition.enum
(class_definition
  name: (identifier) @name
  superclasses: (argument_list [(identifier) (attribute)] @_base)
  (#match? @_base "(^|\\.)Protocol$")) @definition.interface
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

; Type aliases: `type X = ...` (3.12) and `X: TypeAlias = ...`.
(type_alias_statement left: (type (identifier) @name)) @definition.type
(module
  (expression_statement
    (assignment
      left: (identifier) @name
      type: (type) @_t
      (#match? @_t "(^|\\.)TypeAlias$"))) @definition.type)

; Module-level UPPER_CASE assignments are constants.
(module
  (expression_statement
    (assignment left: (identifier) @name)
    (#match? @name "^_*[A-Z][A-Z0-9_]*$")) @definition.constant)

; Imports: the module part, with its leading dots when relative.
(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import))
(import_from_statement module_name: (_) @import)
; `from pkg import module` imports pkg/module.py when the name is a module: recorded as
; `pkg.module` (joined by the chunker); names that are not modules simply resolve to nothing.
(import_from_statement module_name: (_) @import.module name: (dotted_name) @import.member)
(import_from_statement module_name: (_) @import.module name: (aliased_import name: (dotted_name) @import.member))

; References
(call function: (identifier) @ref)
(call function: (attribute attribute: (identifier) @ref))
(class_definition superclasses: (argument_list (identifier) @ref))
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @ref)))
(decorator (identifier) @ref)
(decorator (attribute attribute: (identifier) @ref))
; Type annotations (parameters, returns, variables, alias right-hand sides, generic arguments),
; without the builtin scalars and containers.
((_ type: (type [(identifier) @ref
          (attribute attribute: (identifier) @ref)
          (subscript value: [(identifier) @ref (attribute attribute: (identifier) @ref)])
          (subscript subscript: (identifier) @ref)
          (binary_operator left: (identifier) @ref)
          (binary_operator right: (identifier) @ref)
          (generic_type (identifier) @ref)]))
  (#not-any-of? @ref "int" "str" "float" "bool" "bytes" "complex" "object" "list" "dict" "set" "frozenset" "tuple" "type" "TypeAlias"))
((function_definition return_type: (type [(identifier) @ref
          (attribute attribute: (identifier) @ref)
          (subscript value: [(identifier) @ref (attribute attribute: (identifier) @ref)])
          (subscript subscript: (identifier) @ref)
          (binary_operator left: (identifier) @ref)
          (binary_operator right: (identifier) @ref)
          (generic_type (identifier) @ref)]))
  (#not-any-of? @ref "int" "str" "float" "bool" "bytes" "complex" "object" "list" "dict" "set" "frozenset" "tuple" "type" "TypeAlias"))
((type_alias_statement right: (type [(identifier) @ref
          (attribute attribute: (identifier) @ref)
          (subscript value: [(identifier) @ref (attribute attribute: (identifier) @ref)])
          (subscript subscript: (identifier) @ref)
          (binary_operator left: (identifier) @ref)
          (binary_operator right: (identifier) @ref)
          (generic_type (identifier) @ref)]))
  (#not-any-of? @ref "int" "str" "float" "bool" "bytes" "complex" "object" "list" "dict" "set" "frozenset" "tuple" "type" "TypeAlias"))
((type_parameter (type [(identifier) @ref
          (attribute attribute: (identifier) @ref)
          (subscript value: [(identifier) @ref (attribute attribute: (identifier) @ref)])
          (subscript subscript: (identifier) @ref)
          (binary_operator left: (identifier) @ref)
          (binary_operator right: (identifier) @ref)
          (generic_type (identifier) @ref)]))
  (#not-any-of? @ref "int" "str" "float" "bool" "bytes" "complex" "object" "list" "dict" "set" "frozenset" "tuple" "type" "TypeAlias"))
