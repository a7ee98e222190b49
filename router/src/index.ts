export { RouterService, downlinkQueue } from './router-service.ts';
export { DeviceDirectory, type Location } from './device-directory.ts';
export { parsePresenceEvent, type PresenceEvent } from './presence-event.ts';
export { routeCommand, type RouteDecision, type RoutingPolicy, type DeadReason } from './route-command.ts';
export { normalizeRouterOptions, RouterOptionsError, type RouterOptions } from './router-options.ts';
export { RouterMetrics } from './router-metrics.ts';
