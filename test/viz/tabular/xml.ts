import assert from 'node:assert/strict';

/** An element of a parsed SVG: name, attributes, direct text and children. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi;

function decode(s: string): string {
  assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(s), `bare & in ${JSON.stringify(s.slice(0, 80))}`);
  return s.replace(ENTITY, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]
    ?? String.fromCodePoint(e[1].toLowerCase() === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10)));
}

/**
 * A strict little XML parser for the plots' SVG: every tag closes in order, attributes are quoted and
 * unique, text has no bare '<' or '&'. Fails the test (assert) on anything malformed.
 */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const body = xml.replace(/^<\?xml[^>]*\?>/, '').trim();
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const textEnd = lt < 0 ? body.length : lt;
    const text = body.slice(i, textEnd);
    assert.ok(!text.includes('>'), `stray '>' in text ${JSON.stringify(text.slice(0, 80))}`);
    if (text.trim()) {
      assert.ok(stack.length > 1, 'text outside the root element');
      stack[stack.length - 1].text += decode(text);
    }
    if (lt < 0) break;
    const gt = body.indexOf('>', lt);
    assert.ok(gt > 0, 'unclosed tag');
    const tag = body.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      assert.equal(open?.name, name, `</${name}> closes <${open?.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const inner = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*$/.exec(inner);
    assert.ok(m, `malformed tag <${tag.slice(0, 120)}>`);
    const attrs: Record<string, string> = {};
    for (const a of m[2].matchAll(/([\w:-]+)="([^"]*)"/g)) {
      assert.ok(!(a[1] in attrs), `duplicate attribute ${a[1]} in <${m[1]}>`);
      attrs[a[1]] = decode(a[2]);
    }
    const el: XmlElement = { name: m[1], attrs, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    if (!selfClosing) stack.push(el);
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1].name}>`);
  assert.equal(root.children.length, 1, 'one root element');
  return root.children[0];
}

/** Every element (depth first) named `name`. */
export function findAll(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  if (el.name === name) out.push(el);
  for (const c of el.children) findAll(c, name, out);
  return out;
}

/** The text of a <text> element including its <tspan>s. */
export function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}

/** All visible strings of a parsed SVG, in document order. */
export function texts(svg: XmlElement): string[] {
  return findAll(svg, 'text').map(textOf);
}
