/** LIKE patterns built from a value taken as written: `\`, `%` and `_` in it are escaped (`\` is LIKE's default escape). */

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Texts that contain `value`. */
export function likeContaining(value: string): string {
  return `%${escapeLike(value)}%`;
}

/** Texts that start with `value`. */
export function likeStartingWith(value: string): string {
  return `${escapeLike(value)}%`;
}
