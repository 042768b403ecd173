import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import {
  defaultSignatureToleranceSeconds,
  signAlert,
  verifyAlertSignature,
} from '../../../src/activities/alerts/signature';

const secret = 'test-alert-secret-current-0123456789abcdef';
const body = '{"alertId":"door_not_locked/front-door/stay-12","state":"raised"}';
const t = 1_764_115_200;
const at = { nowSeconds: t };

describe('signAlert', () => {
  test('signAlert: t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signAlert(body, secret, t)).toBe(`t=${t},v1=${expected}`);
  });

  test.each([1.5, -1, Number.NaN])('signAlert: refuses %p as unix seconds', (seconds) => {
    expect(() => signAlert(body, secret, seconds)).toThrow(RangeError);
  });
});

describe('verifyAlertSignature', () => {
  const header = signAlert(body, secret, t);

  test('verifyAlertSignature: accepts the body signed with the secret', () => {
    expect(verifyAlertSignature(body, header, secret, at)).toBe(true);
  });

  test('verifyAlertSignature: rejects a changed body, a wrong secret, an empty secret and a missing header', () => {
    expect(verifyAlertSignature(body.replace('raised', 'resolved'), header, secret, at)).toBe(false);
    expect(verifyAlertSignature(`${body} `, header, secret, at)).toBe(false);
    expect(verifyAlertSignature(body, header, `${secret}x`, at)).toBe(false);
    expect(verifyAlertSignature(body, signAlert(body, '', t), '', at)).toBe(false);
    expect(verifyAlertSignature(body, undefined, secret, at)).toBe(false);
  });

  test('verifyAlertSignature: a timestamp may be off by the tolerance either way, no more', () => {
    const tolerance = defaultSignatureToleranceSeconds;
    expect(verifyAlertSignature(body, header, secret, { nowSeconds: t + tolerance })).toBe(true);
    expect(verifyAlertSignature(body, header, secret, { nowSeconds: t - tolerance })).toBe(true);
    expect(verifyAlertSignature(body, header, secret, { nowSeconds: t + tolerance + 1 })).toBe(false);
    expect(verifyAlertSignature(body, header, secret, { nowSeconds: t - tolerance - 1 })).toBe(false);
    expect(verifyAlertSignature(body, header, secret, { nowSeconds: t + 60, toleranceSeconds: 30 })).toBe(false);
  });

  test('verifyAlertSignature: the current time is the default clock', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifyAlertSignature(body, signAlert(body, secret, now), secret)).toBe(true);
    expect(verifyAlertSignature(body, header, secret)).toBe(false);
  });

  test('verifyAlertSignature: the timestamp is signed: changing it breaks the signature', () => {
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifyAlertSignature(body, moved, secret, at)).toBe(false);
  });

  const v1 = header.split('v1=')[1];
  test.each([
    ['empty', ''],
    ['no v1', `t=${t}`],
    ['no t', `v1=${v1}`],
    ['two t', `t=${t},t=${t},v1=${v1}`],
    ['t not a number', `t=soon,v1=${v1}`],
    ['t negative', `t=-${t},v1=${v1}`],
    ['v1 too short', `t=${t},v1=${v1.slice(2)}`],
    ['v1 not hex', `t=${t},v1=${'z'.repeat(64)}`],
    ['an entry without =', `t=${t},v1=${v1},oops`],
    ['an entry with two =', `t=${t},v1=${v1}=`],
    ['a trailing comma', `${header},`],
    ['only v2', `t=${t},v2=${v1}`],
  ])('verifyAlertSignature: rejects a malformed header (%s)', (_case, malformed) => {
    expect(verifyAlertSignature(body, malformed, secret, at)).toBe(false);
  });

  test('verifyAlertSignature: any of several v1 entries may match (secret rotation), other schemes are skipped', () => {
    const oldSecret = 'test-alert-secret-previous-0123456789abcd';
    const signedWithBoth = `${signAlert(body, oldSecret, t)},v1=${v1}`;
    expect(verifyAlertSignature(body, signedWithBoth, secret, at)).toBe(true);
    expect(verifyAlertSignature(body, signedWithBoth, oldSecret, at)).toBe(true);
    expect(verifyAlertSignature(body, signedWithBoth, 'test-alert-secret-neither-0123456789abcd', at)).toBe(false);
    expect(verifyAlertSignature(body, `v2=abc, ${header.replace(',', ' , ')}`, secret, at)).toBe(true);
  });
});

describe("the README's verifyAlertSignature", () => {
  /** The README's receiver snippet (the ```js block that defines verifyAlertSignature), evaluated. */
  function readmeVerify(): (rawBody: string, header: string | undefined, secret: string, now?: number) => boolean {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const code = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
      .map((block) => block[1])
      .find((block) => block.includes('function verifyAlertSignature'));
    if (!code) throw new Error('README.md has no ```js block defining verifyAlertSignature');
    const context: Record<string, unknown> = { require, Buffer };
    runInNewContext(code, context);
    return context.verifyAlertSignature as ReturnType<typeof readmeVerify>;
  }

  test("the README's verifyAlertSignature: agrees with verifyAlertSignature on every case above", () => {
    const verify = readmeVerify();
    const header = signAlert(body, secret, t);
    const v1 = header.split('v1=')[1];
    const cases: [string, string | undefined, string, number][] = [
      [body, header, secret, t],
      [body, header, secret, t + 300],
      [body, header, secret, t - 300],
      [body, header, secret, t + 301],
      [body, header, secret, t - 301],
      [`${body} `, header, secret, t],
      [body, header, `${secret}x`, t],
      [body, signAlert(body, '', t), '', t],
      [body, undefined, secret, t],
      [body, `t=${t},v1=${'a'.repeat(64)}, v1 = ${v1}`, secret, t],
      [body, `v2=abc,${header}`, secret, t],
      [body, `t=${t},v1=${v1.toUpperCase()}`, secret, t],
      ...['', `t=${t}`, `v1=${v1}`, `t=${t},t=${t},v1=${v1}`, `t=x,v1=${v1}`, `t=${t},v1=${v1}=`, `${header},`].map(
        (malformed): [string, string, string, number] => [body, malformed, secret, t],
      ),
    ];
    const verdicts = cases.map(([raw, h, key, now]) => [
      verify(raw, h, key, now),
      verifyAlertSignature(raw, h, key, { nowSeconds: now }),
    ]);
    expect(verdicts.filter(([readme, ours]) => readme !== ours)).toEqual([]);
    expect(verdicts.filter(([, ours]) => ours).length).toBe(6);
  });
});
