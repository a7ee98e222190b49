// What the router's runs need on a fleet: the device's session on its first gateway as the sink (its binding is
// what places the device there), a publisher on the backend, and router processes; and their removal afterwards.
import { seg } from '@fedgate/broker-admin';
import { DEVICE_USER } from '@fedgate/topology';
import { openPublisher, openQueueSink, type Sink } from '../amqp-traffic.ts';
import { leaveDeviceSession } from '../device-session.ts';
import { RouterInstances } from './router-instances.ts';
import { ROUTER_DEVICE, routerRunSpec, type RouterRunDeps } from './router-runs.ts';
import type { ScenarioContext } from './scenario-context.ts';

export interface RouterBench {
  readonly deps: RouterRunDeps;
  readonly sink: Sink;
  /** Stops the routers, closes publisher and sink, and deletes the device's session. */
  close(): Promise<void>;
}

/** Opens the router's runs on `ctx.fleet`; the routers start when a run first asks for them. */
export async function openRouterBench(ctx: ScenarioContext): Promise<RouterBench> {
  const { plan, fleet, collectors } = ctx;
  const topology = fleet.fleet.topology;
  const gw = topology.gateways[0]!;
  const password = fleet.fleet.secrets.password(gw.name, DEVICE_USER);
  const queue = await leaveDeviceSession(`mqtt://${gw.host}:${gw.ports.mqtt}`, ROUTER_DEVICE, DEVICE_USER, password);
  const sink = await openQueueSink(fleet.amqpUri(gw.name), queue, collectors);
  const publisher = await openPublisher(fleet.amqpUri(topology.backend.name), plan.messageBytes);
  // The probe's spec needs the instances' pids, so it reads `deps` when it runs, after both exist.
  const routers = new RouterInstances(ctx, sink, () => routerRunSpec(deps, 'router'));
  const deps: RouterRunDeps = { ctx, publisher, routers };
  return {
    deps,
    sink,
    close: async () => {
      await routers.stop();
      await publisher.close();
      await sink.close();
      await fleet.fleet
        .admin(gw.name)
        .delete(`/queues/${seg(topology.vhost)}/${seg(queue)}`)
        .catch(() => undefined);
    },
  };
}
