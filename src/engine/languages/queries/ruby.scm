; Definitions. Modules are module containers, classes are classes; `def self.x` and methods
; inside `class << self` are methods of the enclosing class.
(module name: [(constant) (scope_resolution)] @name) @definition.module
(class name: [(constant) (scope_resolution)] @name) @definition.class
; Methods directly in a module are mixin methods, not module functions.
(module body: (body_statement [(method name: (_) @name) (singleton_method name: (_) @name)] @definition.method))
(method name: (_) @name) @definition.function
(singleton_method name: (_) @name) @definition.function
(assignment left: (constant) @name) @definition.constant

; Imports
((call
  method: (identifier) @_req
  arguments: (argument_list . (string (string_content) @import)))
  (#any-of? @_req "require" "require_relative" "load"))

; References: method calls (not the DSL-ish ones), receivers, superclasses and mixins.
((call method: (identifier) @ref)
  (#not-any-of? @ref "new" "require" "require_relative" "load" "include" "extend" "prepend"
    "attr_reader" "attr_writer" "attr_accessor" "private" "protected" "public" "module_function"
    "private_constant" "raise"))
(call receiver: (constant) @ref)
(call receiver: (scope_resolution name: (constant) @ref))
(superclass [(constant) @ref (scope_resolution name: (constant) @ref)])
((call
  method: (identifier) @_mixin
  arguments: (argument_list [(constant) @ref (scope_resolution name: (constant) @ref)]))
  (#any-of? @_mixin "include" "extend" "prepend"))
((call
  method: (identifier) @_raise
  arguments: (argument_list . [(constant) @ref (scope_resolution name: (constant) @ref)]))
  (#eq? @_raise "raise"))
(rescue (exceptions [(constant) @ref (scope_resolution name: (constant) @ref)]))
