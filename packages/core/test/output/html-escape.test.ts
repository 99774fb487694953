import { describe, expect, it } from 'vitest';
import { assertInlineableScript, escapeHtml, jsonForScript } from '../../src/output/html-escape.ts';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')"> & co`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co');
  });
});

describe('jsonForScript', () => {
  it('leaves no way to close the script element and round-trips exactly', () => {
    const value = { pod: '</script><script>alert(1)</script>', c: '<!-- x -->', amp: 'a&b', ls: 'a\u2028b\u2029c' };
    const s = jsonForScript(value);
    expect(s).not.toMatch(/<|>|&|\u2028|\u2029/);
    expect(JSON.parse(s)).toEqual(value);
  });
});

describe('assertInlineableScript', () => {
  it('refuses script text that would end the element', () => {
    expect(() => assertInlineableScript('var a = "</SCRIPT>"', 'x.js')).toThrow(/x\.js/);
    expect(() => assertInlineableScript('var a = 1 < 2', 'y.js')).not.toThrow();
  });
});
