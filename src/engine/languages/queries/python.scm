; Cost: at every node of every file the query cursor looks the node's type up among the patterns'
; roots, a binary search of ceil(log2(pattern count)) steps; so patterns that share a root are one
; pattern with alternatives. 16 patterns take 4 steps: a 17th would add one at every node.

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

; Type aliases: `type X = ...` (3.12).
(type_alias_statement left: (type (identifier) @name)) @definition.type

; Module-level assignments: `X: TypeAlias = ...` is a type alias, an UPPER_CASE name a constant
; (an UPPER_CASE alias is an alias). One pattern for both: a pattern rooted at the module keeps a
; state alive across the whole file. Predicates apply to every branch and `#not-match?` passes
; when its capture is absent, so each branch tests a capture only it has, with `#not-match?`:
; @_alias must end in TypeAlias, @_annotation must not, @_const must be UPPER_CASE. The definition
; node is the assignment, which spans the same text as its statement.
(module
  (expression_statement
    [(assignment left: (identifier) @name type: (type) @_alias) @definition.type
     (assignment left: (identifier) @name @_const !type) @definition.constant
     (assignment left: (identifier) @name @_const type: (type) @_annotation) @definition.constant])
  (#not-match? @_alias "^(?!([\\s\\S]*\\.)?TypeAlias$)")
  (#not-match? @_annotation "(^|\\.)TypeAlias$")
  (#not-match? @_const "[^A-Z0-9_]|^_*([0-9]|$)"))

; Imports: the module part, with its leading dots when relative.
(import_statement name: [(dotted_name) @import (aliased_import name: (dotted_name) @import)])
(import_from_statement module_name: (_) @import)
; `from pkg import module` imports pkg/module.py when the name is a module: recorded as
; `pkg.module` (joined by the chunker); names that are not modules simply resolve to nothing.
(import_from_statement
  module_name: (_) @import.module
  name: [(dotted_name) @import.member (aliased_import name: (dotted_name) @import.member)])

; References
(call function: [(identifier) @ref (attribute attribute: (identifier) @ref)])
(class_definition superclasses: (argument_list [(identifier) @ref (attribute attribute: (identifier) @ref)]))
(decorator [(identifier) @ref (attribute attribute: (identifier) @ref)])
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
