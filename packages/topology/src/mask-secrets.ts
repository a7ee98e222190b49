/** Replaces the password of every URI in `text` with `***`, so plans, reports, errors and logs never show one. */
export function maskSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^@\s"]+@/gi, '$1***@');
}
