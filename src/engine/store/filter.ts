/**
 * LanceDB filters are SQL text. Every value that reaches one goes through here: paths and
 * names may hold quotes, backslashes, `%` and anything else a user can type.
 */
export function sqlString(value: string): string {
  if (value.includes('\0')) throw new Error('A NUL character cannot appear in an index filter.');
  return `'${value.replace(/'/g, "''")}'`;
}

export function inList(values: readonly string[]): string {
  if (values.length === 0) throw new Error('inList needs at least one value.');
  return `(${values.map(sqlString).join(', ')})`;
}
