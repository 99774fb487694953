// Escaping for the HTML report. Pod names, model names, error messages and verdict details come from servers or
// users, so every one of them goes through here before it reaches the page.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for an HTML text node or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON safe to place inside a <script type="application/json"> element: `<`, `>` and `&` become \u escapes, so
 * no string can close the element (`</script>`) or open a comment (`<!--`); U+2028/2029 are escaped so the text is
 * also valid JavaScript. JSON.parse restores the original characters.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script text that would end the <script> element early, which must never be inlined as is. */
export function assertInlineableScript(source: string, what: string): void {
  if (/<\/script|<!--/i.test(source)) throw new Error(`${what} contains "</script" or "<!--" and cannot be inlined`);
}
