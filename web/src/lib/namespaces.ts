// Namespace exclusions are DNS-1123 labels; kube-system is always excluded by the API.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function namespaceError(name: string): string | null {
  if (!name) return "enter a namespace";
  if (name.length > 63) return "at most 63 characters";
  if (!LABEL.test(name)) return "lowercase letters, digits and '-', starting and ending with a letter or digit";
  return null;
}

/** Split typed text on commas and whitespace into new, unique names. */
export function parseNamespaces(text: string, existing: readonly string[]): string[] {
  const seen = new Set(existing);
  const out: string[] = [];
  for (const part of text.split(/[\s,]+/)) {
    const name = part.trim();
    if (name && !seen.has(name)) {
      seen.add(name);
      out.push(name);
    }
  }
  return out;
}
