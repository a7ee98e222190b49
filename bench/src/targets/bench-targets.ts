// The bench's fixed targets outside the router scenario (whose own are in router-targets.ts).
export const TARGETS = {
  amplificationKnown: {
    id: 'amplification-known',
    what: 'link crossings per command, router-directed (known devices)',
    comparison: 'equal',
    value: 1,
    tolerance: 0.01,
    unit: '×',
  },
  gatewayMemory: {
    id: 'gateway-memory-per-device',
    what: 'fedgate gateway: resident memory per device with a QoS 1 session',
    comparison: 'at-most',
    value: 50,
    unit: ' KiB',
  },
  gatewayStorm: {
    id: 'gateway-storm-seconds',
    what: 'fedgate gateway: devices connecting and subscribing (QoS 1) at once, all subscribed within',
    comparison: 'at-most',
    value: 10,
    unit: ' s',
  },
  directory: { id: 'directory-bytes', what: 'directory heap per device (largest size)', comparison: 'at-most', value: 200, unit: ' B' },
} as const;
