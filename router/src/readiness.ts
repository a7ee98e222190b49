/** What /readyz looks at. */
export interface ReadinessInputs {
  readonly stopping: boolean;
  readonly directoryRebuilt: boolean;
  /** The command consumer holds a consumer tag on a live channel right now. */
  readonly commandConsumerLive: boolean;
}

export type Readiness =
  | { readonly ready: true; readonly reason: 'ready' }
  | { readonly ready: false; readonly reason: 'stopping' | 'rebuilding directory' | 'command consumer down' };

/**
 * Pure: ready only while commands are actually being consumed with a rebuilt directory. A router whose consumer
 * was lost (channel or connection) reports 503 until it is consuming again, so a balancer or an operator sees it.
 */
export function readiness(inputs: ReadinessInputs): Readiness {
  if (inputs.stopping) return { ready: false, reason: 'stopping' };
  if (!inputs.directoryRebuilt) return { ready: false, reason: 'rebuilding directory' };
  if (!inputs.commandConsumerLive) return { ready: false, reason: 'command consumer down' };
  return { ready: true, reason: 'ready' };
}
