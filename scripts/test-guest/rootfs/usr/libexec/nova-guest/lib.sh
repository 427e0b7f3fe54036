# Shared helpers of the guest's scripts (sourced, not run).
# Everything a test looks for goes to the serial port as one line.

STATE=/run/nova-guest        # what the boot found out, for the later hooks
mkdir -p "$STATE"

# say LINE: one line on the serial console (ttyS0), where tests read it.
say() { echo "$*" > /dev/ttyS0; }

# json_string FILE KEY: the first string value of "KEY" in a JSON file.
# Enough for Nova's meta_data.json (flat keys we need, no escaped quotes).
json_string() {
  grep -o "\"$2\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$1" 2>/dev/null |
    head -n 1 | sed 's/^[^:]*:[[:space:]]*"//; s/"$//'
}

# install_keys FILE: the values of the "public_keys" object of a
# meta_data.json become root's authorized_keys (dropbear reads it).
install_keys() {
  keys=$(grep -o '"public_keys"[[:space:]]*:[[:space:]]*{[^}]*}' "$1" 2>/dev/null |
    grep -o ':[[:space:]]*"[^"]*"' | sed 's/^:[[:space:]]*"//; s/"$//; s/\\n$//')
  [ -n "$keys" ] || return 0
  mkdir -p /root/.ssh
  chmod 700 /root/.ssh
  printf '%s\n' "$keys" > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
  say "NOVA-GUEST-KEYS $(printf '%s\n' "$keys" | wc -l)"
}
