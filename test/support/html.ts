import axios, { AxiosInstance } from 'axios';

/** An HTTP client that never throws on status and never follows redirects, like a test should see it. */
export function httpClient(baseURL: string): AxiosInstance {
  return axios.create({ baseURL, validateStatus: () => true, maxRedirects: 0, timeout: 15_000 });
}

/** HTML-escapes text the way EJS's <%= %> does, to find user text inside rendered pages. */
export function escapeHtml(text: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (char) => map[char] ?? char);
}
