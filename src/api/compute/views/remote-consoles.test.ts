import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../conf/loader.ts';
import { consoleBaseUrl, consoleEnabled, consoleUrl } from './remote-consoles.ts';

describe('console URLs', () => {
  const t = 'AbC_-0123456789abcdefghijklmnopqrstuvwxyzAB';

  it('are built as Nova builds them, per console type', () => {
    assert.equal(consoleUrl('novnc', 'http://127.0.0.1:6080/vnc_lite.html', t), `http://127.0.0.1:6080/vnc_lite.html?path=%3Ftoken%3D${t}`);
    assert.equal(consoleUrl('novnc', 'http://127.0.0.1:6080/vnc_auto.html', 'x'), 'http://127.0.0.1:6080/vnc_auto.html?path=%3Ftoken%3Dx');
    assert.equal(consoleUrl('serial', 'ws://127.0.0.1:6083/', t), `ws://127.0.0.1:6083/?token=${t}`);
    assert.equal(consoleUrl('spice-html5', 'http://127.0.0.1:6082/spice_auto.html', t), `http://127.0.0.1:6082/spice_auto.html?token=${t}`);
    assert.equal(consoleUrl('spice-html5', 'http://p/spice_auto.html?lang=en', 't'), 'http://p/spice_auto.html?lang=en&token=t');
  });

  it("come from Nova's default base URLs, and serial and SPICE are off by default", () => {
    const conf = loadConfig({});
    assert.equal(consoleBaseUrl(conf, 'novnc'), 'http://127.0.0.1:6080/vnc_lite.html');
    assert.equal(consoleBaseUrl(conf, 'serial'), 'ws://127.0.0.1:6083/');
    assert.equal(consoleBaseUrl(conf, 'spice-html5'), 'http://127.0.0.1:6082/spice_auto.html');
    assert.equal(consoleEnabled(conf, 'novnc'), true);
    assert.equal(consoleEnabled(conf, 'serial'), false);
    assert.equal(consoleEnabled(conf, 'spice-html5'), false);
    assert.equal(conf.consoleauth.token_ttl, 600);
  });
});
