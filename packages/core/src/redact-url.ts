// The one rule for putting a URL into results, logs or messages: userinfo, query string and fragment are
// removed (each may carry a credential: user:pass@, ?token=, #access_token=) and the trailing slash dropped.
// Text that does not parse as a URL loses anything shaped like `//user:pass@`.
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}
