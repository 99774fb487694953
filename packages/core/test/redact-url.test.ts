import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/redact-url.ts';

describe('redactUrl', () => {
  it('removes userinfo, query string and fragment, and the trailing slash', () => {
    expect(redactUrl('http://user:pass@127.0.0.1:8080/v1/?token=abc#access_token=x')).toBe('http://127.0.0.1:8080/v1');
    expect(redactUrl('https://gw.example/')).toBe('https://gw.example');
  });
  it('strips a userinfo-shaped part from text that is not a URL', () => {
    expect(redactUrl('not a url//u:p@x')).toBe('not a url//x');
  });
});
