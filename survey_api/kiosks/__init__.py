"""Counter kiosks: paired devices with their own tokens, staff on duty and heartbeats."""
