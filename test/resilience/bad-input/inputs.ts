import { formBody, postFields, postPaths, postTitled, type PostInput } from '../../support/posts';

/**
 * The bad inputs, as data: what is sent, not how. generate.ts turns them into requests (and adds seeded
 * fuzz); bad-input.test.ts says what every answer must look like.
 */

export const XSS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</title><script>alert(document.cookie)</script>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">click</a>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<%= process.env %> <%- "<b>raw</b>" %>',
  '{{constructor.constructor("alert(1)")()}} ${7*7}',
  '<style>body{background:url("javascript:alert(1)")}</style>',
  '<body onload=alert(1)>',
  '&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>bold</b>',
];

/** Path segments where an id belongs. */
export const MALFORMED_IDS = [
  '1',
  '0',
  '-1',
  'abc',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'a'.repeat(23),
  'g'.repeat(24),
  '5'.repeat(25),
  'ObjectId(%22000000000000000000000000%22)',
  '%7B%22%24gt%22%3A%22%22%7D',
  '%5B%24ne%5D',
  '%24where',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%00',
  '%0d%0aSet-Cookie:x=1',
  'x'.repeat(3000),
  '%F0%9F%92%A9',
  '%ff%fe',
  '%c0%ae',
  '%E0%A4%A',
  '%',
  '%zz',
  '%%',
  '%u0041',
  'new',
  'new%00',
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
];

/** Query strings for the list routes. */
export const QUERIES = [
  'page[$gt]=1',
  'page[$ne]=',
  'limit[$gt]=0',
  'page[]=1',
  'page=1&page=2',
  'page=-1',
  'page=0',
  'page=1e3',
  'page=0x10',
  'page=99999999999',
  'page=1000001',
  'page=%00',
  'page=%zz',
  'page=%',
  'page=%E0%A4%A',
  'page=%c0%ae',
  'page=%ff',
  'page=%3Cscript%3Ealert(1)%3C/script%3E',
  '__proto__[admin]=1',
  'constructor[prototype][admin]=1',
  'page=1;DROP%20TABLE',
  'limit=-5',
  'limit=abc',
  'limit=1000000',
  `page=${'9'.repeat(4000)}`,
  'page=%7B%22%24gt%22%3A%22%22%7D',
  'page= 1',
  'page=1.5',
  'limit=0',
  'page=%2B1',
  'sort[$where]=sleep(10000)',
  'q[$regex]=.*',
];

export interface BodyInput {
  label: string;
  body: string | Buffer;
  /** undefined: application/json; '': no Content-Type header at all. */
  contentType?: string;
}

const nest = (depth: number, open: string, close: string, inner = '1') =>
  open.repeat(depth) + inner + close.repeat(depth);

/** A valid post with fixed text, so labels and sizes are the same on every run. */
const ok: PostInput = postTitled('T');
const [firstField, secondField] = postFields;

/** JSON with the first field's value given as raw bytes, for malformed UTF-8. */
const firstFieldWithBytes = (...bytes: number[]) => {
  const [before, after] = JSON.stringify({ ...ok, [firstField]: '\u0000' }).split('\\u0000');
  return Buffer.concat([Buffer.from(before!), Buffer.from(bytes), Buffer.from(after!)]);
};

/** Bodies for the JSON API: operators, wrong types, bad encodings, deep nesting, big. */
export function jsonBodies(): BodyInput[] {
  const perField = postFields.flatMap((field) => [
    { ...ok, [field]: { $gt: '' } },
    { ...ok, [field]: { $ne: null } },
    { ...ok, [field]: { $regex: '.*' } },
    { ...ok, [field]: ['a', 'b'] },
    { ...ok, [field]: 123 },
    { ...ok, [field]: null },
    { ...ok, [field]: true },
    { ...ok, [field]: '' },
    { ...ok, [field]: '   ' },
    { ...ok, [field]: 'x'.repeat(10_001) },
    { ...ok, [field]: { toString: 'x' } },
  ]);
  const objects: unknown[] = [
    ...perField,
    { $where: 'sleep(1000)' },
    { ...ok, _id: '000000000000000000000000' },
    { ...ok, createdAt: { $gt: 0 } },
    { ...ok, $set: { [firstField]: 'x' } },
    [],
    [ok],
    'string',
    1,
    null,
    {},
  ];
  const okJson = JSON.stringify(ok);
  const out: BodyInput[] = objects.map((o) => ({
    label: `json ${JSON.stringify(o).slice(0, 40)}`,
    body: JSON.stringify(o),
  }));
  out.push(
    {
      label: '__proto__ key',
      body: `{"__proto__":{"admin":true},${okJson.slice(1, -1)},"constructor":{"prototype":{"x":1}}}`,
    },
    { label: 'duplicate keys', body: `{${okJson.slice(1, -1)},"${firstField}":{"$gt":""}}` },
    { label: 'truncated', body: `{"${firstField}":"T","${secondField}":` },
    { label: 'garbage', body: '{]' },
    { label: 'trailing', body: `${okJson} x` },
    { label: 'BOM', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(okJson)]) },
    { label: 'invalid utf-8', body: firstFieldWithBytes(0xff, 0xfe) },
    { label: 'overlong utf-8', body: firstFieldWithBytes(0xc0, 0xae) },
    { label: 'lone surrogate bytes', body: firstFieldWithBytes(0xed, 0xa0, 0x80) },
    { label: 'truncated utf-8', body: firstFieldWithBytes(0xe2, 0x82) },
    {
      label: 'escaped lone surrogate',
      body: JSON.stringify({ ...ok, [firstField]: 'X' }).replace('"X"', '"\\ud800"'),
    },
    { label: 'NUL in string', body: JSON.stringify({ ...ok, [firstField]: 'a\u0000b' }) },
    { label: 'latin1 charset', body: okJson, contentType: 'application/json; charset=latin1' },
    { label: 'utf-16 charset', body: okJson, contentType: 'application/json; charset=utf-16' },
    { label: 'text/plain', body: okJson, contentType: 'text/plain' },
    { label: 'no content type', body: okJson, contentType: '' },
  );
  for (const depth of [10, 100, 1_000, 5_000, 20_000, 45_000]) {
    out.push({
      label: `nested objects ${depth}`,
      body: JSON.stringify({ ...ok, [firstField]: 'X' }).replace('"X"', nest(depth, '{"a":', '}')),
    });
    out.push({ label: `nested arrays ${depth}`, body: nest(depth, '[', ']') });
  }
  for (const kb of [50, 99]) {
    out.push({
      label: `big ${kb} KB`,
      body: JSON.stringify({ ...ok, [secondField]: 'x'.repeat(kb * 1000) }),
    });
  }
  return out;
}

const without = (field: string) => Object.fromEntries(Object.entries(ok).filter(([key]) => key !== field));

/** urlencoded bodies for the HTML form route. */
export function formBodies(): string[] {
  return [
    `${firstField}[$gt]=&${formBody(without(firstField))}`,
    `${firstField}=%ff%fe&${formBody(without(firstField))}`,
    `${firstField}=%E0%A4%A&${formBody(without(firstField))}`,
    `${firstField}=%&${secondField}=%zz`,
    `${formBody(ok)}&${firstField}=U`,
    Array.from({ length: 40 }, (_, i) => `k${i}=v`).join('&'),
    `__proto__[x]=1&${formBody(ok)}`,
    formBody({ ...ok, [firstField]: 'x'.repeat(90_000) }),
    formBody({ ...ok, [postFields[postFields.length - 1]!]: '' }),
    '=&=&=',
    '&&&&',
    firstField,
  ];
}

const close = 'Connection: close\r\n\r\n';

/** Raw requests: invalid UTF-8 and bad percent-encoding in the request line, huge and odd headers. */
export function rawRequests(): (string | Buffer)[] {
  const list = postPaths.list;
  const detail = postPaths.detail('');
  const lines: (string | Buffer)[] = [
    Buffer.from([
      ...Buffer.from(`GET ${detail}`),
      0xff,
      0xfe,
      0xc0,
      0xae,
      ...Buffer.from(` HTTP/1.1\r\nHost: x\r\n${close}`),
    ]),
    Buffer.from([
      ...Buffer.from(`GET ${list}?page=`),
      0xed,
      0xa0,
      0x80,
      ...Buffer.from(` HTTP/1.1\r\nHost: x\r\n${close}`),
    ]),
    Buffer.from([
      ...Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: '),
      0xff,
      0xfe,
      ...Buffer.from(`\r\n${close}`),
    ]),
    Buffer.from([
      ...Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: '),
      0xc3,
      0x28,
      ...Buffer.from(`\r\n${close}`),
    ]),
    `GET ${detail}% HTTP/1.1\r\nHost: x\r\n${close}`,
    `GET /%%30%30 HTTP/1.1\r\nHost: x\r\n${close}`,
    `GET ${detail}%2 HTTP/1.1\r\nHost: x\r\n${close}`,
    `GET ${list}?page=%G1 HTTP/1.1\r\nHost: x\r\n${close}`,
    `GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n${close}`,
    `GET ${list} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n${close}0\r\n\r\n`,
    'GARBAGE\r\n\r\n',
  ];
  for (const kb of [4, 7, 9, 16, 32, 64]) {
    lines.push(`GET ${list} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(kb * 1024)}\r\n${close}`);
    lines.push(`GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c=1; '.repeat((kb * 1024) / 5)}\r\n${close}`);
    lines.push(`GET ${list} HTTP/1.1\r\nHost: x\r\nX-Request-ID: ${'r'.repeat(kb * 1024)}\r\n${close}`);
  }
  for (const [count, size] of [
    [50, 200],
    [100, 100],
    [120, 250],
    [300, 50],
  ] as const) {
    const headers = Array.from({ length: count }, (_, i) => `X-H${i}: ${'v'.repeat(size)}\r\n`).join('');
    lines.push(`GET ${list} HTTP/1.1\r\nHost: x\r\n${headers}${close}`);
  }
  return lines;
}

/** A body shorter than its Content-Length, then the client closes: nginx answers 400 or just closes. */
export const truncatedBodyRequest = `POST ${postPaths.api} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"t"`;

/** An unknown HTTP version: nginx itself must answer 505 (the protocol's answer), never the app. */
export const unknownVersionRequest = `GET ${postPaths.list} HTTP/9.9\r\nHost: x\r\n${close}`;

/** Characters the seeded fuzz builds ids, queries and values from. */
export const FUZZ_ALPHABET = '0123456789abcdefABCDEFxyz$.{}[]<>"\'%/\\:;=&?+!*()~@,^|`';
