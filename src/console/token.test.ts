import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsoleConnectInfo } from '../objects/console-auth-token.ts';
import { ConsoleRefused, checkConsoleToken, cookieValue, tokenFromRequest } from './token.ts';

const req = (url: string, cookie?: string) => ({ url, headers: cookie ? { cookie } : {} });
const info: ConsoleConnectInfo = { instance_uuid: 'u', console_type: 'novnc', host: 'h', port: 0, internal_access_path: '/s', access_url_base: null, expires: 0 };

describe('console tokens at the proxy', () => {
  it("are found in the query, inside noVNC's path parameter, or in the token cookie", () => {
    assert.equal(tokenFromRequest(req('/?token=abc')), 'abc');
    assert.equal(tokenFromRequest(req('/websockify?token=abc')), 'abc');
    assert.equal(tokenFromRequest(req('/vnc_lite.html?path=%3Ftoken%3Dabc')), 'abc');
    assert.equal(tokenFromRequest(req('/websockify', 'a=1; token=abc; b=2')), 'abc');
    assert.equal(tokenFromRequest(req('/websockify')), null);
    assert.equal(cookieValue('token=a%2Bb', 'token'), 'a+b');
    assert.equal(cookieValue(undefined, 'token'), null);
  });

  it('must be known to nova-consoleauth, unexpired and for this console type', async () => {
    const consoleauth = { check_token: async (_c: unknown, a: { token: string }) => (a.token === 'good' ? info : null) };
    assert.equal(await checkConsoleToken(consoleauth, 'good', 'novnc'), info);
    const refusal = async (token: string | null, type: 'novnc' | 'serial') => {
      const e = await checkConsoleToken(consoleauth, token, type).catch((x: unknown) => x);
      assert.ok(e instanceof ConsoleRefused);
      return e.status;
    };
    assert.equal(await refusal(null, 'novnc'), 401);
    assert.equal(await refusal('bad', 'novnc'), 401);
    assert.equal(await refusal('good', 'serial'), 401);
    const down = { check_token: async () => Promise.reject(new Error('MessagingTimeout')) };
    assert.equal(((await checkConsoleToken(down, 'good', 'novnc').catch((x: unknown) => x)) as ConsoleRefused).status, 503);
  });
});
