/** The host's uptime line in the format of procps `uptime`, from Node's os module (for drivers and hosts without the command). */
import os from 'node:os';

/** `uptime`'s line for this machine: " HH:MM:SS up <d days, >H:MM,  N users,  load average: a, b, c". */
export function uptimeLine(now = new Date(), uptimeSec = os.uptime(), load = os.loadavg(), users = 0): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const clock = `${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  const days = Math.floor(uptimeSec / 86400);
  const hours = Math.floor((uptimeSec % 86400) / 3600);
  const minutes = Math.floor((uptimeSec % 3600) / 60);
  const dayPart = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : '';
  const timePart = hours > 0 ? `${String(hours).padStart(2, ' ')}:${p(minutes)}` : `${minutes} min`;
  const avg = load.map((x) => x.toFixed(2)).join(', ');
  return ` ${clock} up ${dayPart}${timePart},  ${users} user${users === 1 ? '' : 's'},  load average: ${avg}\n`;
}
