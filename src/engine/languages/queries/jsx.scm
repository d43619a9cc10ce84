; Shared by JavaScript and TSX (the TypeScript grammar has no JSX nodes).
; JSX: components used as elements (capitalised; lowercase tags are HTML).
((jsx_opening_element name: (identifier) @ref)
  (#match? @ref "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @ref)
  (#match? @ref "^[A-Z]"))
(jsx_opening_element name: (member_expression property: (property_identifier) @ref))
(jsx_self_closing_element name: (member_expression property: (property_identifier) @ref))
