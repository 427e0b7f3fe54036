/**
 * The console page nova-novncproxy serves as vnc_lite.html (and, for old
 * URLs, vnc_auto.html). It takes noVNC's query parameters — host, port,
 * path (Nova puts `?token=<t>` there), password, scale, view_only,
 * show_dot — and runs noVNC's RFB client (core/rfb.js of @novnc/novnc,
 * served beside it). Status texts follow noVNC's vnc_lite.html:
 * "Connecting", "Connected to <desktop name>", "Disconnected".
 */
export const VNC_LITE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>noVNC</title>
<style>
  html, body { height: 100%; margin: 0; }
  body { background: #282828; display: flex; flex-direction: column; font: bold 12px Helvetica, Arial, sans-serif; }
  #top_bar { background: #6e84a3; color: #fff; padding: 6px 5px 4px 5px; border-bottom: 1px solid #94b8d3; position: relative; }
  #status { text-align: center; }
  #sendCtrlAltDelButton { position: absolute; top: 3px; right: 4px; border: 1px outset; padding: 3px 4px; cursor: pointer; }
  #screen { flex: 1; overflow: hidden; }
</style>
<script type="module">
import RFB from './core/rfb.js';

const params = new URLSearchParams(window.location.search);
const query = (name, fallback) => (params.has(name) ? params.get(name) : fallback);
const flag = (name) => ['1', 'true', 'yes'].includes(String(query(name, '')).toLowerCase());
const statusEl = document.getElementById('status');
const status = (text) => { statusEl.textContent = text; };

let desktopName = '';
const host = query('host', window.location.hostname);
const port = query('port', window.location.port);
const path = query('path', 'websockify');
const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
let url = scheme + '://' + (host.includes(':') && !host.startsWith('[') ? '[' + host + ']' : host);
if (port) url += ':' + port;
url += path.startsWith('/') ? path : '/' + path;

status('Connecting');
const rfb = new RFB(document.getElementById('screen'), url, { credentials: { password: query('password', '') }, wsProtocols: ['binary'] });
rfb.viewOnly = flag('view_only');
rfb.scaleViewport = flag('scale');
rfb.showDotCursor = flag('show_dot');
rfb.addEventListener('connect', () => status('Connected to ' + desktopName));
rfb.addEventListener('disconnect', (e) => status(e.detail.clean ? 'Disconnected' : 'Something went wrong, connection is closed'));
rfb.addEventListener('credentialsrequired', () => {
  const password = window.prompt('Password required:');
  rfb.sendCredentials({ password: password ?? '' });
});
rfb.addEventListener('desktopname', (e) => {
  desktopName = e.detail.name;
  if (statusEl.textContent.startsWith('Connected')) status('Connected to ' + desktopName);
  document.title = desktopName + ' - noVNC';
});
document.getElementById('sendCtrlAltDelButton').onclick = () => { rfb.sendCtrlAltDel(); return false; };
window.rfb = rfb;
</script>
</head>
<body>
  <div id="top_bar">
    <div id="status">Loading</div>
    <div id="sendCtrlAltDelButton">Send CtrlAltDel</div>
  </div>
  <div id="screen"></div>
</body>
</html>
`;
