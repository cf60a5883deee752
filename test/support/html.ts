/** HTML-escapes text the way EJS's <%= %> does, to find user text inside rendered pages. */
export function escapeHtml(text: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (char) => map[char] ?? char);
}
