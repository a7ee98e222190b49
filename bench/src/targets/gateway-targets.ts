// Pure: the gateway storm scenario's targets: memory per device and the time for a storm to subscribe.
import { evaluateTarget, type TargetOutcome } from '../evaluate-target.ts';
import { formatBytes, formatShare } from '../format-figures.ts';
import type { GatewayResult } from '../scenarios/gateway.ts';
import { TARGETS } from './bench-targets.ts';

export function assessGatewayTargets(g: GatewayResult): TargetOutcome[] {
  const out: TargetOutcome[] = [];
  const profile = g.summary.find((x) => x.variant === 'fedgate profile');
  const stock = g.summary.find((x) => x.variant === 'stock');
  if (profile && stock) {
    const kib = (bytes: number) => bytes / 1024;
    out.push(
      evaluateTarget(
        TARGETS.gatewayMemory,
        kib(profile.bytesPerDeviceSettled),
        `once the node settled (${formatBytes(profile.bytesPerConnection)} right after the storm); stock ${formatBytes(stock.bytesPerDeviceSettled)} per device in the same run: each device holds a connection process, its session's ` +
          `classic queue process and binding (and, on the stock node, their management statistics); the profile's settings move this by ` +
          `${formatShare(Math.abs(1 - profile.bytesPerDeviceSettled / stock.bytesPerDeviceSettled))}`,
      ),
    );
    out.push(
      evaluateTarget(
        { ...TARGETS.gatewayStorm, what: `${TARGETS.gatewayStorm.what} (${g.settings.clients.toLocaleString('en-US')} devices)` },
        profile.subscribed === g.settings.clients ? profile.seconds : Number.POSITIVE_INFINITY,
        `${profile.subscribed.toLocaleString('en-US')} of ${g.settings.clients.toLocaleString('en-US')} subscribed in ${profile.seconds.toFixed(1)} s ` +
          `(stock: ${stock.subscribed.toLocaleString('en-US')} in ${stock.seconds.toFixed(1)} s); the node spent ${profile.cpuMsPerDevice.toFixed(1)} ms of CPU per device ` +
          `(${formatShare(profile.nodeCpuShare)} of the machine's ${g.settings.cores} cores) while other processes used ${formatShare(profile.otherCpuShare)}: ` +
          `the storm is bounded by the node's CPU per login and subscription`,
      ),
    );
  }
  return out;
}
